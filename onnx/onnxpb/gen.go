// Package onnxpb holds the Go types of the ONNX protobuf messages that
// tensile reads and writes: a subset of ONNX's onnx.proto with the same
// message names and field numbers (see onnx.proto).
//
// onnx.pb.go is generated from onnx.proto by protoc 3.21.12 (Debian's
// protobuf-compiler) with protoc-gen-go v1.36.10, installed with
// "go install google.golang.org/protobuf/cmd/protoc-gen-go@v1.36.10";
// run "go generate ./onnx/onnxpb" after editing onnx.proto.
package onnxpb

//go:generate protoc --go_out=. --go_opt=paths=source_relative onnx.proto
