"""The research standard's guards, the same in every repository that pins them."""
