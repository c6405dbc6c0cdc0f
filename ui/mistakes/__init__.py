"""Parts of the Mistakes page: annotations of the experiment, filters, the table, one review, the other tabs."""
