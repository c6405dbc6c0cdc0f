"""Reading and writing what the app keeps: MLflow runs (the data contract) and the annotation store."""
