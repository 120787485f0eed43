"""Communities: the schemes Coproduce hosts, their partner organisations and memberships."""
