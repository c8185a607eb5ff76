package mockserver

// WithoutExplanations makes the server record no explanations, so that benchmarks can price
// them (BenchmarkExplanations); the mock itself always records them.
func WithoutExplanations() Option {
	return func(c *config) error {
		c.unexplained = true
		return nil
	}
}
