"""People: the login (User) and each person's profile in a community."""
