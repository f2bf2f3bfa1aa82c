// duplicates pages (issue 5)
