package mockserver

// WithStateFault makes every state-file commit call fault first and fail with its error, if
// any (statefile.WithWriteFault): for tests of a full disk where no small file system can be
// mounted.
func WithStateFault(fault func() error) Option {
	return func(c *config) error {
		c.stateFault = fault
		return nil
	}
}
