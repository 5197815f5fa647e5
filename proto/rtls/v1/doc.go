// Package rtlsv1 holds the protobuf messages and gRPC services of the RTLS
// API, version 1, generated from the .proto files beside it by `make proto`.
// Do not edit the *.pb.go files; edit the .proto files and regenerate.
package rtlsv1
