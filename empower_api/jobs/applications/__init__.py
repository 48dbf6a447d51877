"""Applications to postings: selective disclosure, the pipeline, messages, feedback."""
