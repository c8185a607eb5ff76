package statefile

// Cause is cause, for the tests of package statefile_test.
var Cause = cause
