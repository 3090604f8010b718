"""Running promoflow: configuration, the embedded servers, migrations, `make run`."""
