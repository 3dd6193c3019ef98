module github.com/tensile-ml/tensile

go 1.26
