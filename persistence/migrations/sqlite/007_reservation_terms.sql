-- What each reservation was made for (persistence/vault_records.hpp,
-- reservation_terms): the order's side, limit and quantity, and the asset its
-- fills bring. A settlement draws on a reservation only for a fill these
-- explain: the same credit asset, a price within the limit, a quantity within
-- what is left. Reservations made before this schema have side '' and are
-- settled as before (nothing to check them against).
ALTER TABLE vault_reservations ADD COLUMN side TEXT NOT NULL DEFAULT ''
  CHECK (side IN ('', 'buy', 'sell'));
ALTER TABLE vault_reservations ADD COLUMN limit_price INTEGER NOT NULL DEFAULT 0
  CHECK (limit_price >= 0);
ALTER TABLE vault_reservations ADD COLUMN qty INTEGER NOT NULL DEFAULT 0 CHECK (qty >= 0);
ALTER TABLE vault_reservations ADD COLUMN filled INTEGER NOT NULL DEFAULT 0
  CHECK (filled >= 0 AND (side = '' OR filled <= qty));
ALTER TABLE vault_reservations ADD COLUMN credit_asset TEXT NOT NULL DEFAULT '';
