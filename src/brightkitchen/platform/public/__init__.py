"""The public page of a site (家长/公众): what a site chose to show, and concern reports from the public."""
