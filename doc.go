// Package rcinvite is the root of the rcinvite module: the contract-test and mock-server suite
// for Rocket.Chat's invite links (README.md). It holds no code of its own, only the
// repository's checks of itself (go test .): the README's "Use the mock from your own Go
// module" builds and passes in a module of its own; every RCINVITE_* and RCMOCK_* variable
// the code reads is in the README's table; no text points to a file outside the repository;
// every make target is real and listed; every workflow job outlives the go test timeouts of
// its steps; go.mod names the toolchain.
package rcinvite
