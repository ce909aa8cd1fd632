"""Items: typed item commands, and item edits as the HTTP API takes them."""
