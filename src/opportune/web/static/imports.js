// imports pages (issue 5)
