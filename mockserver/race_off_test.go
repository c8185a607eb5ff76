//go:build !race

package mockserver_test

// raceDetector reports whether the tests run under the race detector (go test -race).
const raceDetector = false
