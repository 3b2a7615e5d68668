-- A reset link the server's operator made on the command line (`gatehouse admin
-- create-reset-link`): no account made it (`created_by` is NULL, as for an emailed link), yet it
-- proves no mailbox, so using it does not verify the account's email.
ALTER TABLE password_resets ADD COLUMN by_operator INTEGER NOT NULL DEFAULT 0;
