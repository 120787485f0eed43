"""The edge layer shared by web pages and the API: what every app's input goes through first."""
