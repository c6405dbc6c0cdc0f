"""Reading the files people upload and scoring them with a model."""
