"""Red and black lists and joint reward and punishment (联合奖惩, issue 5): so far the screening core,
`matching` (pure, no models) and its labelled test data, `variants`."""
