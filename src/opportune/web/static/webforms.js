// webforms pages (issue 5)
