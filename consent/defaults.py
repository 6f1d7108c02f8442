"""The consent form we ship as version 1 for every program, in our own words.

It follows the structure of the in-home care consent form that one of the policies
attaches in full (在宅医療における個人情報使用同意書 and 患者の個人情報の利用目的): a preamble,
numbered points explained to the patient, the agreement sentence and, on a second page,
the purposes of use. What differs between networks comes from the variant's profile and
rule table, never from its name.
"""

import copy

from policy.rules import check


def asks_target_patients(variant):
    """Whether the variant limits sharing to patients seen at home or named by the doctor."""
    return bool(check(variant, "record_consent", {"home_visit": False, "doctor_deems_necessary": False}))


def default_template_fields(program):
    """Version 1: the policy's own wording where it gives the form in full, else our model text."""
    policy = program.policy
    form = policy.form("consent")
    if policy.consent_text is not None:
        own = copy.deepcopy(dict(policy.consent_text))
        return {
            "form_number": form.number if form else "",
            "form_title": form.title if form else "個人情報使用同意書",
            "preamble": own["preamble"], "clauses": own["clauses"],
            "purposes": own["purposes"], "agreement": own["agreement"],
        }
    network = program.name
    clauses = [
        "在宅医療は、医師による継続的な診療が必要で、通院が難しいときに受けることができます。",
        "在宅医療は、病院で集中的に検査や治療を受けることよりも、ご家族の支えのもとで、住み慣れた自宅で"
        "安心して療養を続けることを大切にして行われます。ご本人の希望とともに、ご家族の間でも考えを"
        "そろえておくことが大切です。",
        "在宅医療には、病院での診療に比べて十分でない点があります（①訪問までに時間がかかること、"
        "②検査や診療の内容が限られ、結果が出るまでに時間がかかること、③医療設備が万全でない部分があること）。",
        "在宅医療を始めるときは、これまでの担当医の了解を得て、診療情報提供書（紹介状：これまでの経過や"
        "お薬の情報などが書かれたもの）を受け取る必要があります。",
        "在宅医療を続けるには、患者さん・ご家族と在宅の主治医との信頼関係が大切です。",
        "病状や療養環境の変化を把握するため、定期的に訪問診療を受けていただく必要があります。",
        f"在宅療養を支える病院、診療所、薬局、訪問看護ステーション、介護事業所その他の関係者と連携する"
        f"ため、{network}（非公開型の医療介護専用コミュニケーションシステム）などの適切な通信手段を用い、"
        f"法令や国のガイドライン、「{policy.policy_title}」に沿った安全対策をしたうえで、診療情報を含む"
        "個人情報を共有・提供します。",
        "共有する個人情報の利用目的は、別紙「患者の個人情報の利用目的」のとおりです。",
    ]
    if asks_target_patients(program.variant):
        clauses.append(
            f"{network}で情報を共有するのは、訪問診療・往診を受けている患者さん、または主治医が情報共有を"
            "必要と認めた患者さんです。"
        )
    if policy.consent_custody_for_patient:  # where the policy says nothing about the paper, neither do we
        clauses.append(policy.consent_custody_for_patient)
    clauses += [
        "この同意は、いつでも撤回できます。撤回するときは、この同意書を取り交わした事業所にお申し出ください。"
        "撤回しても、在宅療養を受けるうえで不利益を受けることはありません。",
    ]
    return {
        "form_number": form.number if form else "",
        "form_title": form.title if form else "個人情報使用同意書",
        "preamble": "患者さんが自宅で安心して療養を続けるためには、患者さんを取り巻くご家族、医療・介護の"
        "専門職その他の関係者が、きちんと連携する必要があります。連携にあたって、次の事項をご確認のうえ、"
        "ご了承くださいますようお願いいたします。",
        "clauses": clauses,
        "purposes": copy.deepcopy(DEFAULT_PURPOSES),
        "agreement": "私は、上記の事項について説明を受け、いずれにも同意します。",
    }


DEFAULT_PURPOSES = [
    {
        "heading": "事業所の中での利用",
        "items": [
            "患者さんに提供する医療・介護サービス",
            "医療保険・介護保険の事務",
            "入退院の管理（必要な場合）",
            "会計・経理",
            "医療事故などの報告",
            "医療・介護サービスの向上",
            "実習への協力",
            "医療・介護の質を高めるための事業所内での症例検討",
            "その他、患者さんに関わる管理運営の業務",
        ],
    },
    {
        "heading": "事業所の外への情報提供",
        "items": [
            "他の病院、診療所、薬局、訪問看護ステーション、介護事業所などとの連携",
            "他の医療機関などからの照会への回答",
            "診療のため、外部の医師などの意見・助言を求めるとき",
            "検体検査などの業務委託",
            "ご家族などへの病状の説明",
            "保険事務の委託、審査支払機関へのレセプトの提出と照会への回答",
            "医療・介護・労災保険・公費負担医療などの費用請求と、その照会への回答",
            "医師賠償責任保険などに関わる専門団体・保険会社への相談や届出",
            "個人が分からないようにしたうえでの症例研究・発表・教育",
        ],
    },
    {
        "heading": "その他の利用",
        "items": [
            "医療・介護サービスや業務の維持・改善のための基礎資料",
            "外部監査機関への情報提供",
        ],
    },
]
