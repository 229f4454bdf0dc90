"""The organisations in Ukraine that receive the goods: a city council or a communal enterprise."""
