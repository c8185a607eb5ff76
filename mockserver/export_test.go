package mockserver

// WithoutExplanations makes the server record no explanations, so that benchmarks can price
// them (BenchmarkExplanations); the mock itself always records them.
func WithoutExplanations() Option {
	return func(c *config) error {
		c.unexplained = true
		return nil
	}
}

// WithStateFault makes every state-file commit call fault first and fail with its error, if
// any (statefile.WithWriteFault): for tests of a full disk where no small file system can be
// mounted.
func WithStateFault(fault func() error) Option {
	return func(c *config) error {
		c.stateFault = fault
		return nil
	}
}
