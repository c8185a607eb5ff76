package statefile

// Cause is cause, for the tests of package statefile_test.
var Cause = cause

// PagesWritten is how many pages the store's transactions have written so far.
func PagesWritten(s *Store) int64 {
	st := s.db.Stats().TxStats
	return st.GetWrite()
}

// SetMaxIndexed sets the budget of the committer's document index until the returned
// function puts it back.
func SetMaxIndexed(n int) func() {
	old := maxIndexed
	maxIndexed = n
	return func() { maxIndexed = old }
}
