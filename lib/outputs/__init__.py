"""What the app hands out or draws: charts, the client report, exports and downloads."""
