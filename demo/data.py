"""Fictional demo networks: one program per policy variant, the slug being the variant key."""

DEMO_PASSWORD = "Demo-Portal-2026!"

PROGRAMS = [
    {
        "slug": "kumagaya", "code": "KMG", "name": "くまねっとMCS",
        "secretariat_name": "熊谷市在宅医療支援センター",
        "secretariat_contact": "〒360-0000 埼玉県熊谷市宮町0-0\nTEL 048-000-0000 / FAX 048-000-0001",
        "municipalities": ["熊谷市"], "postal_prefixes": ["360", "369"],
        "prefecture": "埼玉県", "city": "熊谷市", "postal": "360-00", "towns": ["宮町", "筑波", "石原", "籠原南", "妻沼", "佐谷田"],
    },
    {
        "slug": "musashimurayama", "code": "MSM", "name": "武蔵村山市MCS",
        "secretariat_name": "武蔵村山市医師会 在宅医療委員会（医師会事務局）",
        "secretariat_contact": "〒208-0000 東京都武蔵村山市本町0-0\nTEL 042-000-0000",
        "municipalities": ["武蔵村山市"], "postal_prefixes": ["208"],
        "prefecture": "東京都", "city": "武蔵村山市", "postal": "208-00", "towns": ["本町", "学園", "中藤", "三ツ木", "大南", "伊奈平"],
    },
    {
        "slug": "chuo", "code": "CHU", "name": "中央区MCS",
        "secretariat_name": "中央区在宅療養支援協議会",
        "secretariat_contact": "〒104-0000 東京都中央区築地0-0\nTEL 03-0000-0000",
        "municipalities": ["中央区"], "postal_prefixes": ["103", "104"],
        "prefecture": "東京都", "city": "中央区", "postal": "104-00", "towns": ["築地", "月島", "佃", "勝どき", "日本橋人形町", "八丁堀"],
    },
    {
        "slug": "matsubara", "code": "MTB", "name": "m@tsuネット",
        "secretariat_name": "松原市医師会",
        "secretariat_contact": "〒580-0000 大阪府松原市阿保0-0\nTEL 072-000-0000 / FAX 072-000-0001",
        "municipalities": ["松原市"], "postal_prefixes": ["580"],
        "prefecture": "大阪府", "city": "松原市", "postal": "580-00", "towns": ["阿保", "上田", "田井城", "天美東", "河合", "岡"],
    },
    {
        "slug": "iwakuni", "code": "IWK", "name": "いつつばし連絡帳",
        "secretariat_name": "いつつばしネット協議会 事務局（岩国市医師会）",
        "secretariat_contact": "〒740-0000 山口県岩国市麻里布町0-0\nTEL 0827-00-0000",
        "municipalities": ["岩国市", "和木町"], "postal_prefixes": ["740", "741", "742"],
        "prefecture": "山口県", "city": "岩国市", "postal": "740-00", "towns": ["麻里布町", "今津町", "川西", "南岩国町", "室の木町", "錦見"],
    },
]

# (kind, name pattern, staff (name, kana, gender, job, admin))
FACILITIES = [
    ("hospital", "{city}みなと病院", [("大川 誠", "オオカワ マコト", "男", "doctor", True), ("小池 由美", "コイケ ユミ", "女", "nurse", False), ("松井 健", "マツイ ケン", "男", "social_worker", False)]),
    ("clinic", "ひだまり在宅クリニック", [("青木 隆", "アオキ タカシ", "男", "doctor", True), ("村上 恵", "ムラカミ メグミ", "女", "nurse", False), ("石田 浩二", "イシダ コウジ", "男", "clerk", False)]),
    ("pharmacy", "さくら薬局{town}店", [("中野 沙織", "ナカノ サオリ", "女", "pharmacist", True), ("林 大輔", "ハヤシ ダイスケ", "男", "pharmacist", False)]),
    ("home_nursing", "訪問看護ステーションあおぞら", [("藤田 明美", "フジタ アケミ", "女", "nurse", True), ("岡本 翔", "オカモト ショウ", "男", "pt", False), ("森 久美子", "モリ クミコ", "女", "nurse", False)]),
    ("care_management", "居宅介護支援事業所みどりの風", [("山口 直子", "ヤマグチ ナオコ", "女", "care_manager", True), ("井上 拓也", "イノウエ タクヤ", "男", "care_manager", False)]),
    ("community_center", "{city}地域包括支援センター", [("佐々木 愛", "ササキ アイ", "女", "phn", True), ("清水 剛", "シミズ ツヨシ", "男", "social_worker", False)]),
]

# Portal login accounts per program: (email local part, name, kana, role, facility index or None)
ACCOUNTS = [
    ("secretariat", "事務局 花子", "ジムキョク ハナコ", "secretariat", None),
    ("admin", "青木 隆", "アオキ タカシ", "facility_admin", 1),
    ("coordinator", "村上 恵", "ムラカミ メグミ", "coordinator", 1),
    ("nurse-admin", "藤田 明美", "フジタ アケミ", "facility_admin", 3),
]
