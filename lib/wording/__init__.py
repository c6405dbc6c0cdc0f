"""Plain-language wording: every sentence a person reads, and the escaping for where it goes."""
