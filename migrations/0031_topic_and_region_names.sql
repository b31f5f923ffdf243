-- Names people read, after the native-speaker review (issue 24, rows B45 and C18): the English topic names
-- said in Labour Code terms, the pregnancy-and-birth leave told apart from the childcare leave in ru/kk, and
-- the official Russian name of the Abai region since 2022 (like «Область Жетісу», «Область Ұлытау»).
UPDATE topics SET name_en = 'Annual leave (teachers'' extended leave)' WHERE slug = 'leave';
UPDATE topics SET name_en = 'Disciplinary sanctions' WHERE slug = 'discipline';
UPDATE topics SET name_ru = 'Отпуск по беременности и родам, по уходу за ребёнком',
                  name_kk = 'Жүктілікке және босануға байланысты, бала күтімі бойынша демалыс'
WHERE slug = 'maternity';
UPDATE regions SET name_ru = 'Область Абай' WHERE code = 'abai';
