"""Partner merchants: their keys and scopes, earning and burning points, members' consent, settlement."""
