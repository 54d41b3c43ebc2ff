"""Countries of the scenario: transit hubs, Russian and Belarusian end users, partner exporters."""

from __future__ import annotations

from dataclasses import dataclass

from .spelling import Weighted


@dataclass(frozen=True)
class City:
    """A city, its Russian spelling where records romanise it, its phone area and districts."""

    name: str
    cyrillic: str | None = None
    area: str = "1"
    districts: tuple[str, ...] = ()


@dataclass(frozen=True)
class Country:
    """What names, addresses and identifiers of companies registered in one country look like."""

    code: str  # ISO 3166-1 alpha-2
    name: str
    calling: str  # international calling code, without "+"
    tld: str
    cities: tuple[City, ...]
    forms: tuple[str, ...]  # keys of render.FORMS, most common first
    style: str  # how names and addresses are built: ru, latin-ru, zh, tr, en, in, th, sr
    registry: tuple[tuple[str, str], ...] = ()  # (identifier scheme, pattern: # digit, @ letter)
    postcode: str = "######"


def _c(*args: str | int) -> City:
    name, cyrillic, area, *districts = args
    return City(str(name), str(cyrillic) if cyrillic else None, str(area),
                tuple(map(str, districts)))


COUNTRIES: dict[str, Country] = {country.code: country for country in (
    Country("RU", "Russia", "7", "ru", (
        _c("Moscow", "Москва", 495), _c("Saint Petersburg", "Санкт-Петербург", 812),
        _c("Yekaterinburg", "Екатеринбург", 343), _c("Novosibirsk", "Новосибирск", 383),
        _c("Kazan", "Казань", 843), _c("Nizhny Novgorod", "Нижний Новгород", 831),
        _c("Chelyabinsk", "Челябинск", 351), _c("Izhevsk", "Ижевск", 3412),
        _c("Zelenograd", "Зеленоград", 499), _c("Tula", "Тула", 4872)),
        ("ooo", "ao"), "ru", ()),
    Country("BY", "Belarus", "375", "by", (
        _c("Minsk", "Минск", 17), _c("Gomel", "Гомель", 232), _c("Vitebsk", "Витебск", 212)),
        ("ooo", "chup", "ao"), "ru", (("tax_id", "1########"),)),
    Country("AM", "Armenia", "374", "am", (
        _c("Yerevan", "Ереван", 10), _c("Gyumri", "Гюмри", 312)),
        ("am_llc",), "ru", (("tax_id", "0#######"), ("company_number", "###.###.#####")),
        "####"),
    Country("KG", "Kyrgyzstan", "996", "kg", (
        _c("Bishkek", "Бишкек", 312), _c("Osh", "Ош", 3222)),
        ("osoo",), "ru", (("tax_id", "0##############"), ("company_number", "######-3301-OOO"))),
    Country("KZ", "Kazakhstan", "7", "kz", (
        _c("Almaty", "Алматы", 727), _c("Astana", "Астана", 7172),
        _c("Karaganda", "Караганда", 7212)),
        ("too",), "ru", (("company_number", "############"),)),
    Country("UZ", "Uzbekistan", "998", "uz", (
        _c("Tashkent", "Ташкент", 71), _c("Samarkand", "Самарканд", 66)),
        ("mchj",), "ru", (("tax_id", "3########"),)),
    Country("GE", "Georgia", "995", "ge", (
        _c("Tbilisi", "Тбилиси", 32), _c("Batumi", "Батуми", 422)),
        ("ge_llc",), "ru", (("company_number", "4########"),), "####"),
    Country("AE", "United Arab Emirates", "971", "ae", (
        _c("Dubai", None, 4, "Jebel Ali Free Zone|JAFZA", "Dubai Airport Free Zone|DAFZA",
           "Dubai Multi Commodities Centre|DMCC"),
        _c("Sharjah", None, 6, "Sharjah Airport International Free Zone|SAIF Zone",
           "Hamriyah Free Zone|HFZA"),
        _c("Abu Dhabi", None, 2, "Khalifa Industrial Zone|KIZAD")),
        ("fze", "fzco", "ae_llc"), "latin-ru", (("company_number", "######"),), ""),
    Country("TR", "Türkiye", "90", "com.tr", (
        _c("Istanbul", None, 212, "Şişli", "Beylikdüzü", "Ümraniye", "Ataşehir"),
        _c("Mersin", None, 324, "Mezitli", "Akdeniz"), _c("Ankara", None, 312, "Çankaya")),
        ("ltd_sti",), "tr", (("tax_id", "##########"), ("company_number", "0###############")),
        "#####"),
    Country("HK", "Hong Kong", "852", "com.hk", (
        _c("Hong Kong", None, "", "Kwun Tong|Kowloon", "Mong Kok|Kowloon",
           "Tsim Sha Tsui|Kowloon", "Wan Chai|Hong Kong Island", "Sheung Wan|Hong Kong Island",
           "Kwai Chung|New Territories"),),
        ("hk_ltd",), "zh", (("company_number", "#######"), ("tax_id", "########")), ""),
    Country("CN", "China", "86", "cn", (
        _c("Shenzhen", "深圳市", 755, "Futian", "Longgang", "Bao'an", "Nanshan"),
        _c("Guangzhou", "广州市", 20, "Tianhe", "Baiyun"), _c("Shanghai", "上海", 21, "Pudong"),
        _c("Yiwu", "义乌市", 579, "Choujiang")),
        ("co_ltd",), "zh", (("company_number", "91440##########@@#"),)),
    Country("IN", "India", "91", "in", (
        _c("Mumbai", None, 22), _c("New Delhi", None, 11), _c("Chennai", None, 44)),
        ("pvt_ltd",), "in", (("company_number", "U#####MH20##PTC######"),
                             ("tax_id", "27@@@@@####@1Z#"))),
    Country("TH", "Thailand", "66", "co.th", (_c("Bangkok", None, 2),),
            ("co_ltd",), "th", (("company_number", "0105#########"),), "#####"),
    Country("RS", "Serbia", "381", "rs", (
        _c("Belgrade", None, 11), _c("Novi Sad", None, 21)),
        ("doo",), "sr", (("company_number", "########"), ("tax_id", "1########")), "#####"),
    Country("US", "United States", "1", "com", (
        _c("Miami", None, 305), _c("Houston", None, 713), _c("San Jose", None, 408),
        _c("Brooklyn", None, 718), _c("Portland", None, 503)),
        ("inc", "us_llc"), "en", (("tax_id", "##-#######"), ("duns", "0########")), "#####"),
    Country("GB", "United Kingdom", "44", "co.uk", (
        _c("London", None, 20), _c("Manchester", None, 161), _c("Reading", None, 118)),
        ("ltd",), "en", (("company_number", "1#######"),), "@@# #@@"),
    Country("CA", "Canada", "1", "ca", (
        _c("Toronto", None, 416), _c("Vancouver", None, 604), _c("Montreal", None, 514)),
        ("inc", "ltd"), "en", (("tax_id", "#########RT0001"),), "@#@ #@#"),
    Country("AU", "Australia", "61", "com.au", (
        _c("Sydney", None, 2), _c("Melbourne", None, 3), _c("Brisbane", None, 7)),
        ("pty_ltd",), "en", (("company_number", "### ### ###"), ("tax_id", "## ### ### ###")),
        "####"),
    Country("NZ", "New Zealand", "64", "co.nz", (
        _c("Auckland", None, 9), _c("Wellington", None, 4), _c("Christchurch", None, 3)),
        ("ltd",), "en", (("company_number", "#######"), ("tax_id", "94290########")), "####"),
    Country("DE", "Germany", "49", "de", (_c("Hamburg", None, 40), _c("Munich", None, 89)),
            ("gmbh",), "en", (("company_number", "HRB #####"),), "#####"),
    Country("NL", "Netherlands", "31", "nl", (_c("Rotterdam", None, 10),),
            ("bv",), "en", (("company_number", "########"),), "#### @@"),
    Country("FI", "Finland", "358", "fi", (_c("Helsinki", None, 9),),
            ("oy",), "en", (("company_number", "#######-#"),), "#####"),
    Country("PL", "Poland", "48", "pl", (_c("Warsaw", None, 22),),
            ("spzoo",), "en", (("company_number", "0000######"),), "##-###"),
    Country("SG", "Singapore", "65", "com.sg", (_c("Singapore", None, ""),),
            ("pte_ltd",), "en", (("company_number", "20#######@"),)),
    Country("TW", "Taiwan", "886", "com.tw", (_c("Taipei", None, 2), _c("Hsinchu", None, 3)),
            ("co_ltd",), "en", (("tax_id", "########"),), "###"),
)}

#: Countries front companies and forwarders are registered in, by how often cases show them.
HUBS = Weighted([("AM", 12), ("KG", 12), ("KZ", 12), ("AE", 14), ("TR", 12), ("HK", 14),
                 ("CN", 10), ("GE", 4), ("UZ", 4), ("RS", 2), ("IN", 2), ("TH", 2)])
DESTINATIONS = Weighted([("RU", 85), ("BY", 15)])
#: Third countries whose distributors re-export controlled items (other than the partners).
REEXPORTERS = ("DE", "NL", "FI", "PL", "SG", "TW")
#: Each partner agency's own country (ISO 3166-1 alpha-2).
HOME = {"USA": "US", "GBR": "GB", "CAN": "CA", "AUS": "AU", "NZL": "NZ"}
#: Flags vessels of these networks sail under.
FLAGS = Weighted([("RU", 5), ("CM", 2), ("PA", 2), ("GA", 1), ("KM", 1), ("SL", 1)])
