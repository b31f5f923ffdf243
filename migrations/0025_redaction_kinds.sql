-- The redactor finds more kinds of personal data (issue 22): BINs apart from IINs, Telegram and
-- Instagram handles, other personal numbers (bank cards, employee and membership numbers, car plates),
-- and birth dates.
ALTER TABLE archive_redactions DROP CONSTRAINT archive_redactions_kind_check;
ALTER TABLE archive_redactions ADD CONSTRAINT archive_redactions_kind_check CHECK (kind IN
    ('person', 'iin', 'bin', 'phone', 'email', 'handle', 'id_document', 'number', 'birth_date', 'address',
     'organization', 'location'));
