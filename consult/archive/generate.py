"""Synthetic published archive entries in Russian and Kazakh, loaded fast with COPY, for benchmarks.

    DATABASE_URL=postgresql://... python -m consult.archive.generate 100000

Texts are built from labour-law phrases with a Zipf-like spread (some words in most entries, a long tail
of rare ones), so frequent and rare query words behave as in a real archive. No personal data.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import asyncpg

from consult.archive.searchtext import index_text
from consult.archive.slug import make_slug

RU_OPENERS = [
    "Здравствуйте.",
    "Добрый день!",
    "Подскажите, пожалуйста.",
    "Вопрос по трудовому праву.",
    "Прошу разъяснить.",
    "Помогите разобраться.",
    "",
]
RU_SUBJECTS = [
    "учитель начальных классов",
    "учитель математики",
    "воспитатель детского сада",
    "педагог-психолог",
    "учитель физкультуры",
    "социальный педагог",
    "логопед",
    "вожатая",
    "библиотекарь школы",
    "учитель казахского языка",
    "учитель информатики",
    "педагог дополнительного образования",
    "музыкальный руководитель",
    "учитель химии",
    "классный руководитель",
    "методист",
]
RU_QUESTIONS = [
    "Может ли директор отозвать меня из ежегодного отпуска без моего согласия?",
    "Сколько дней оплачиваемого отпуска положено педагогу?",
    "Законно ли увеличивать учебную нагрузку без дополнительного соглашения?",
    "Обязан ли я дежурить в выходные дни без оплаты?",
    "Как оспорить результаты аттестации на квалификационную категорию?",
    "Можно ли уволить меня по сокращению штата во время декретного отпуска?",
    "Почему из заработной платы удерживают деньги без моего заявления?",
    "Должен ли работодатель оплачивать замену уроков заболевшего коллеги?",
    "Имею ли я право отказаться от непедагогической работы?",
    "Как оформить отпуск без сохранения заработной платы?",
    "Могут ли объявить выговор без письменного объяснения?",
    "Как рассчитывается доплата за классное руководство?",
    "Положена ли надбавка за работу в сельской местности?",
    "Что делать, если отпускные выплатили позже срока?",
    "Можно ли перенести ежегодный отпуск на следующий год?",
    "Как подать жалобу в согласительную комиссию?",
    "Обязан ли педагог проходить медицинский осмотр за свой счёт?",
    "Сохраняется ли категория при переходе в другую школу?",
    "Как оплачивается работа в праздничные дни?",
    "Можно ли заключить срочный трудовой договор с молодым специалистом?",
    "Положен ли отпуск по уходу за ребёнком отцу?",
    "Что входит в рабочее время учителя кроме уроков?",
    "Как продлить трудовой договор после выхода на пенсию?",
    "Может ли работодатель изменить расписание в середине четверти?",
]
RU_ANSWER = [
    "Согласно статье {art} Трудового кодекса Республики Казахстан работнику предоставляется ежегодный оплачиваемый трудовой отпуск.",
    "Педагогам предоставляется основной оплачиваемый отпуск продолжительностью 56 календарных дней.",
    "Отзыв из отпуска допускается только с согласия работника, неиспользованная часть переносится.",
    "Учебная нагрузка устанавливается при тарификации и может меняться только по соглашению сторон.",
    "Привлечение к работе в выходные дни оплачивается не менее чем в полуторном размере.",
    "Непедагогическая работа, не предусмотренная должностной инструкцией, выполняется только с вашего согласия.",
    "Удержания из заработной платы допускаются в случаях, прямо указанных в статье {art} Трудового кодекса.",
    "Расторжение трудового договора по инициативе работодателя с беременной работницей не допускается.",
    "Результаты аттестации можно обжаловать в апелляционную комиссию в течение {n} рабочих дней.",
    "Дисциплинарное взыскание применяется не позднее одного месяца со дня обнаружения проступка.",
    "До применения взыскания работодатель обязан затребовать письменное объяснение.",
    "Замена уроков оплачивается по фактически отработанным часам в конце месяца.",
    "Доплата за классное руководство определяется постановлением Правительства и коллективным договором.",
    "Педагогам в сельской местности устанавливается повышение должностного оклада не менее чем на 25 процентов.",
    "Отпускные выплачиваются не позднее чем за три календарных дня до начала отпуска.",
    "Индивидуальный трудовой спор рассматривается согласительной комиссией, затем судом.",
    "Сохраните копии приказов и расчётных листков: они понадобятся в комиссии.",
    "Обратитесь в профсоюзный комитет организации образования, юрист поможет составить заявление.",
    "Квалификационная категория сохраняется при переходе в другую организацию образования до окончания срока.",
    "Работа в праздничные дни компенсируется двойной оплатой или другим днём отдыха.",
    "Срочный трудовой договор заключается только в случаях, перечисленных в статье {art}.",
    "Отпуск без сохранения заработной платы предоставляется по заявлению работника.",
    "Медицинский осмотр педагогов проводится за счёт средств работодателя.",
    "Рабочее время педагога включает учебную, воспитательную и методическую работу.",
    "Изменение условий труда допускается с предупреждением работника не менее чем за {n} дней.",
    "Отпуск по уходу за ребёнком до трёх лет может использовать любой из родителей.",
]
KK_OPENERS = ["Сәлеметсіз бе.", "Қайырлы күн!", "Көмектесіңізші.", "Сұрағым бар.", ""]
KK_SUBJECTS = [
    "бастауыш сынып мұғалімі",
    "математика мұғалімі",
    "балабақша тәрбиешісі",
    "педагог-психолог",
    "дене шынықтыру мұғалімі",
    "әлеуметтік педагог",
    "логопед",
    "кітапханашы",
    "қазақ тілі мұғалімі",
    "информатика мұғалімі",
    "сынып жетекшісі",
    "әдіскер",
]
KK_QUESTIONS = [
    "Директор мені жыл сайынғы демалыстан келісімімсіз қайтара ала ма?",
    "Мұғалімнің демалысы неше күн болады?",
    "Қосымша келісімсіз оқу жүктемесін көбейтуге бола ма?",
    "Демалыс күндері ақысыз кезекшілік етуге міндеттімін бе?",
    "Аттестаттау нәтижесіне қалай шағымдануға болады?",
    "Бала күтімі демалысындағы қызметкерді қысқарту бойынша жұмыстан шығаруға бола ма?",
    "Жалақымнан неге рұқсатсыз ақша ұсталады?",
    "Ауырған әріптестің сабағын алмастыруға ақы төлене ме?",
    "Педагогикалық емес жұмыстан бас тартуға құқығым бар ма?",
    "Жалақысы сақталмайтын демалысты қалай ресімдеуге болады?",
    "Түсініктеме алмай сөгіс беруге бола ма?",
    "Сынып жетекшілігі үшін үстемеақы қалай есептеледі?",
    "Ауылдық жерде жұмыс істегені үшін үстемеақы төлене ме?",
    "Демалыс ақысы кешіктіріліп төленсе не істеу керек?",
    "Жыл сайынғы демалысты келесі жылға ауыстыруға бола ма?",
    "Келісім комиссиясына шағымды қалай беремін?",
    "Санат басқа мектепке ауысқанда сақтала ма?",
    "Мереке күндердегі жұмыс қалай төленеді?",
]
KK_ANSWER = [
    "Қазақстан Республикасы Еңбек кодексінің {art}-бабына сәйкес қызметкерге жыл сайынғы ақы төленетін еңбек демалысы беріледі.",
    "Педагогтерге ұзақтығы 56 күнтізбелік күн негізгі ақы төленетін демалыс беріледі.",
    "Демалыстан кері шақыру тек қызметкердің келісімімен жүзеге асырылады.",
    "Оқу жүктемесі тарификация кезінде белгіленеді және тараптардың келісімімен ғана өзгереді.",
    "Демалыс күндері жұмысқа тарту кемінде бір жарым есе мөлшерде төленеді.",
    "Лауазымдық нұсқаулықта көзделмеген педагогикалық емес жұмыс тек сіздің келісіміңізбен орындалады.",
    "Жалақыдан ұстап қалу Еңбек кодексінің {art}-бабында көрсетілген жағдайларда ғана жол беріледі.",
    "Жүкті қызметкермен еңбек шартын жұмыс берушінің бастамасымен бұзуға жол берілмейді.",
    "Аттестаттау нәтижесіне {n} жұмыс күні ішінде апелляциялық комиссияға шағымдануға болады.",
    "Тәртіптік жаза теріс қылық анықталған күннен бастап бір айдан кешіктірілмей қолданылады.",
    "Жаза қолданар алдында жұмыс беруші жазбаша түсініктеме талап етуге міндетті.",
    "Сабақ алмастыру айдың соңында нақты жұмыс істеген сағат бойынша төленеді.",
    "Ауылдық жердегі педагогтердің лауазымдық жалақысы кемінде 25 пайызға арттырылады.",
    "Демалыс ақысы демалыс басталардан кемінде үш күнтізбелік күн бұрын төленеді.",
    "Жеке еңбек дауын келісім комиссиясы, содан кейін сот қарайды.",
    "Бұйрықтар мен есеп айырысу парақтарының көшірмелерін сақтаңыз.",
    "Білім беру ұйымының кәсіподақ комитетіне жүгініңіз, заңгер арыз жазуға көмектеседі.",
    "Біліктілік санаты басқа білім беру ұйымына ауысқанда мерзімі біткенге дейін сақталады.",
    "Мереке күндердегі жұмыс екі есе төленеді немесе басқа демалыс күнімен өтеледі.",
    "Бала үш жасқа толғанға дейінгі бала күтімі демалысын ата-ананың кез келгені пайдалана алады.",
]
RU_SYLLABLES = "ка ра до ми ло се ну та ве ри зо па ле ки мо бу жа ты ре на".split()
KK_SYLLABLES = "қа ра ты ба ле кө ше мі ұл ға сы тө ай ен жа бе ді құ рө нұ".split()
RARE_WORDS = 20000


def _rare_vocabulary(rng: random.Random, syllables: list[str]) -> list[str]:
    """Made-up words for the long tail (a village club, a course name): each in a handful of entries."""
    words: set[str] = set()
    while len(words) < RARE_WORDS:
        words.add("".join(rng.choice(syllables) for _ in range(rng.randint(3, 4))))
    return sorted(words)


def _zipf_pick(rng: random.Random, items: list[str]) -> str:
    # Index ~ a power law: the first items are frequent, the last ones rare.
    return items[min(len(items) - 1, int(len(items) * rng.random() ** 2.2))]


def entries(n: int, seed: int = 1) -> Iterator[tuple[str, str, str, int, datetime]]:
    """Yield (language, question, answer, topic number 1..12, published_at) for n entries."""
    rng = random.Random(seed)
    rare = {"ru": _rare_vocabulary(rng, RU_SYLLABLES), "kk": _rare_vocabulary(rng, KK_SYLLABLES)}
    now = datetime(2026, 11, 1, tzinfo=UTC)
    for i in range(n):
        language = "ru" if rng.random() < 0.6 else "kk"
        if language == "ru":
            opener, subject, base, pool = RU_OPENERS, RU_SUBJECTS, RU_QUESTIONS, RU_ANSWER
            lead = f"{rng.choice(opener)} Я {rng.choice(subject)}, стаж {rng.randint(1, 35)} лет."
            tail = f"Кружок «{rng.choice(rare['ru']).capitalize()}» ведём после уроков."
        else:
            opener, subject, base, pool = KK_OPENERS, KK_SUBJECTS, KK_QUESTIONS, KK_ANSWER
            lead = (
                f"{rng.choice(opener)} Мен {rng.choice(subject)}мін, еңбек өтілім {rng.randint(1, 35)} жыл."
            )
            tail = f"«{rng.choice(rare['kk']).capitalize()}» үйірмесін сабақтан кейін өткіземіз."
        question = f"{lead} {_zipf_pick(rng, base)} {tail if rng.random() < 0.5 else ''}".strip()
        sentences = [
            _zipf_pick(rng, pool).format(art=rng.randint(1, 180), n=rng.choice((5, 10, 15, 30)))
            for _ in range(rng.randint(3, 7))
        ]
        if rng.random() < 0.5:
            sentences.append(tail)
        answer = " ".join(sentences)
        yield language, question, answer, rng.randint(1, 12), now - timedelta(minutes=i * 7)


STAGE = """
CREATE TEMP TABLE archive_generate_stage (
    question text, answer text, topic_position integer, language text, question_index text,
    answer_index text, slug_base text, published_at timestamptz
)
"""
# The slug is `<words>-<id>`; the id comes from the sequence here, so the words are staged with a
# placeholder id 0 whose "-0" tail is cut off.
MOVE = """
INSERT INTO archive_entries (id, slug, status, question, answer, topic_id, language, published_at,
    created_at, updated_at, search)
SELECT s.id, left(s.slug_base, -2) || '-' || s.id, 'published', s.question, s.answer, t.id, s.language,
    s.published_at, s.published_at, s.published_at,
    CASE WHEN s.language = 'ru'
        THEN setweight(to_tsvector('russian', s.question_index), 'A')
             || setweight(to_tsvector('russian', s.answer_index), 'B')
        ELSE setweight(to_tsvector('simple', s.question_index), 'A')
             || setweight(to_tsvector('simple', s.answer_index), 'B') END
FROM (SELECT nextval('archive_entries_id_seq') AS id, * FROM archive_generate_stage) s
JOIN topics t ON t.position = s.topic_position
"""
# The migration's index, dropped during a large load: building it once is far faster than
# maintaining it row by row (fastupdate is off).
SEARCH_INDEX = """
CREATE INDEX archive_entries_search_idx ON archive_entries USING gin (search)
    WITH (fastupdate = off) WHERE status = 'published'
"""


async def generate(conn: asyncpg.Connection, n: int, *, seed: int = 1, chunk: int = 20000) -> int:
    """Insert n published entries; return how many. Large loads rebuild the search index once."""
    rebuild = n >= 10000
    if rebuild:
        await conn.execute("DROP INDEX IF EXISTS archive_entries_search_idx")
    await conn.execute("DROP TABLE IF EXISTS archive_generate_stage")
    await conn.execute(STAGE)
    batch: list[tuple[object, ...]] = []

    async def flush() -> None:
        await conn.copy_records_to_table("archive_generate_stage", records=batch)
        await conn.execute(MOVE)
        await conn.execute("TRUNCATE archive_generate_stage")
        batch.clear()

    for language, question, answer, topic, published_at in entries(n, seed):
        batch.append(
            (
                question,
                answer,
                topic,
                language,
                index_text(question, language),
                index_text(answer, language),
                make_slug(question, 0),
                published_at,
            )
        )
        if len(batch) >= chunk:
            await flush()
    if batch:
        await flush()
    await conn.execute("DROP TABLE archive_generate_stage")
    if rebuild:
        await conn.execute("SET maintenance_work_mem = '256MB'")
        await conn.execute(SEARCH_INDEX)
    await conn.execute("ANALYZE archive_entries")
    return n


async def _main(n: int, seed: int) -> None:
    conn = await asyncpg.connect(os.environ["DATABASE_URL"])
    try:
        started = time.perf_counter()
        await generate(conn, n, seed=seed)
        print(f"{n} entries in {time.perf_counter() - started:.1f} s")
    finally:
        await conn.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("n", type=int)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    asyncio.run(_main(args.n, args.seed))
