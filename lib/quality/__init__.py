"""Quality figures and their statistics: metrics with intervals, comparisons, categories, agreement, explanations."""
