"""Messages to members: e-mail over SMTP and SMS through a provider's HTTP gateway, one interface."""
