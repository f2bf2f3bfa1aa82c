// merges pages (issue 5)
