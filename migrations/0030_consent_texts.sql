-- The consent texts people agreed to, one row per version (consult/consent: form.language.hash of the text).
-- A booking's or question's consent_version points here, so staff and the member can read the exact text.
CREATE TABLE consent_texts (
    version text PRIMARY KEY,
    form text NOT NULL CHECK (form IN ('booking', 'question')),
    language text NOT NULL CHECK (language IN ('ru', 'kk', 'en')),
    title text NOT NULL,
    body text NOT NULL,
    first_shown_at timestamptz NOT NULL DEFAULT now()
);

-- Before versions per text, both forms stored "2026-11" for six different texts (two forms, three
-- languages). Keep those texts as they were shown, and give the old records the version of their form and
-- language (the language of the booking or question: the form was shown in it unless the member changed it).
INSERT INTO consent_texts (version, form, language, title, body, first_shown_at) VALUES
('booking.ru.2026-11', 'booking', 'ru', 'Согласие на обработку персональных данных: запись на консультацию',
 'Я согласен(на) на обработку профсоюзом моих персональных данных для организации этой консультации в соответствии с Законом Республики Казахстан «О персональных данных и их защите».', '2026-11-01'),
('booking.kk.2026-11', 'booking', 'kk', 'Дербес деректерді өңдеуге келісім: кеңеске жазылу',
 'Осы кеңесті ұйымдастыру үшін кәсіподақтың менің дербес деректерімді «Дербес деректер және оларды қорғау туралы» Қазақстан Республикасының Заңына сәйкес өңдеуіне келісемін.', '2026-11-01'),
('booking.en.2026-11', 'booking', 'en', 'Consent to the processing of personal data: booking a consultation',
 'I agree that the union processes my personal data to arrange this consultation, as the Law of the Republic of Kazakhstan on personal data and their protection requires.', '2026-11-01'),
('question.ru.2026-11', 'question', 'ru', 'Согласие на обработку персональных данных: письменный вопрос',
 'Я согласен(на), что профсоюз обрабатывает мой вопрос и контактные данные, чтобы ответить мне.', '2026-11-01'),
('question.kk.2026-11', 'question', 'kk', 'Дербес деректерді өңдеуге келісім: жазбаша сұрақ',
 'Кәсіподақтың маған жауап беру үшін сұрағым мен байланыс деректерімді өңдеуіне келісемін.', '2026-11-01'),
('question.en.2026-11', 'question', 'en', 'Consent to the processing of personal data: a written question',
 'I agree that the union processes my question and contact details to answer me.', '2026-11-01');

UPDATE bookings SET consent_version = 'booking.' || language || '.2026-11' WHERE consent_version = '2026-11';
UPDATE questions SET consent_version = 'question.' || language || '.2026-11' WHERE consent_version = '2026-11';
