"""The edge shared by pages and the API: what every request meets on its way in and out."""
