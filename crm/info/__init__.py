"""The service's public information pages: accessibility statement, privacy notice, cookies."""
