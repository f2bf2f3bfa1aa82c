// assignment pages (issue 5)
