"""What the app serves besides its layout: the page's own reader and its weights, and how a class joins."""
