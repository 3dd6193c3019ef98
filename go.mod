module github.com/tensile-ml/tensile

go 1.26.0

require golang.org/x/sys v0.50.0

require google.golang.org/protobuf v1.36.10

require gonum.org/v1/gonum v0.17.0
