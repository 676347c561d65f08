namespace Mindstack.Platform.Ai.Local.Lexicons;

/// <summary>
/// A small built-in gazetteer: countries, major cities, US states and regions (places); well-known
/// organizations; common given names (people) and titles; organization suffixes.
/// </summary>
internal static class Gazetteer
{
    private const string CountryList = """
        Afghanistan|Albania|Algeria|Andorra|Angola|Argentina|Armenia|Australia|Austria|Azerbaijan|Bahamas|Bahrain|Bangladesh
        Barbados|Belarus|Belgium|Belize|Benin|Bhutan|Bolivia|Bosnia|Botswana|Brazil|Brunei|Bulgaria|Burkina Faso|Burundi
        Cambodia|Cameroon|Canada|Chad|Chile|China|Colombia|Congo|Costa Rica|Croatia|Cuba|Cyprus|Czech Republic|Czechia
        Denmark|Djibouti|Dominican Republic|Ecuador|Egypt|El Salvador|Estonia|Eswatini|Ethiopia|Fiji|Finland|France|Gabon
        Gambia|Georgia|Germany|Ghana|Greece|Guatemala|Guinea|Guyana|Haiti|Honduras|Hungary|Iceland|India|Indonesia|Iran|Iraq
        Ireland|Israel|Italy|Ivory Coast|Jamaica|Japan|Jordan|Kazakhstan|Kenya|Kosovo|Kuwait|Kyrgyzstan|Laos|Latvia|Lebanon
        Lesotho|Liberia|Libya|Liechtenstein|Lithuania|Luxembourg|Madagascar|Malawi|Malaysia|Maldives|Mali|Malta|Mauritania
        Mauritius|Mexico|Moldova|Monaco|Mongolia|Montenegro|Morocco|Mozambique|Myanmar|Namibia|Nepal|Netherlands|New Zealand
        Nicaragua|Niger|Nigeria|North Korea|North Macedonia|Norway|Oman|Pakistan|Palestine|Panama|Papua New Guinea|Paraguay
        Peru|Philippines|Poland|Portugal|Qatar|Romania|Russia|Rwanda|Saudi Arabia|Senegal|Serbia|Sierra Leone|Singapore
        Slovakia|Slovenia|Somalia|South Africa|South Korea|South Sudan|Spain|Sri Lanka|Sudan|Suriname|Sweden|Switzerland
        Syria|Taiwan|Tajikistan|Tanzania|Thailand|Togo|Trinidad and Tobago|Tunisia|Turkey|Türkiye|Turkmenistan|Uganda
        Ukraine|United Arab Emirates|UAE|United Kingdom|UK|Great Britain|Britain|England|Scotland|Wales|Northern Ireland
        United States|United States of America|USA|US|America|Uruguay|Uzbekistan|Venezuela|Vietnam|Yemen|Zambia|Zimbabwe
        Deutschland|España|Italia|Brasil|México|Suisse|Schweiz|Österreich|Nederland|Belgique|Polska
        """;

    private const string CityList = """
        London|Paris|Berlin|Madrid|Rome|Lisbon|Dublin|Amsterdam|Brussels|Vienna|Zurich|Geneva|Munich|Hamburg|Frankfurt
        Cologne|Milan|Naples|Barcelona|Valencia|Seville|Porto|Lyon|Marseille|Nice|Toulouse|Bordeaux|Prague|Warsaw|Krakow
        Budapest|Bucharest|Sofia|Athens|Istanbul|Ankara|Copenhagen|Stockholm|Oslo|Helsinki|Reykjavik|Edinburgh|Glasgow
        Manchester|Liverpool|Birmingham|Kyiv|Kiev|Moscow|Saint Petersburg|Minsk|Riga|Vilnius|Tallinn|Belgrade|Zagreb
        New York|New York City|NYC|Los Angeles|San Francisco|Chicago|Boston|Seattle|Austin|Dallas|Houston|Miami|Atlanta
        Denver|Phoenix|Philadelphia|Washington|Washington DC|Las Vegas|San Diego|San Jose|Portland|Detroit|Minneapolis
        Nashville|New Orleans|Toronto|Montreal|Vancouver|Ottawa|Calgary|Mexico City|Guadalajara|Bogotá|Bogota|Lima
        Santiago|Buenos Aires|São Paulo|Sao Paulo|Rio de Janeiro|Brasília|Caracas|Havana|Tokyo|Osaka|Kyoto|Seoul|Beijing
        Shanghai|Shenzhen|Hong Kong|Taipei|Singapore|Bangkok|Hanoi|Ho Chi Minh City|Jakarta|Manila|Kuala Lumpur|Mumbai
        Delhi|New Delhi|Bangalore|Bengaluru|Chennai|Kolkata|Hyderabad|Karachi|Lahore|Dhaka|Kathmandu|Dubai|Abu Dhabi|Doha
        Riyadh|Tehran|Baghdad|Jerusalem|Tel Aviv|Beirut|Amman|Cairo|Casablanca|Lagos|Nairobi|Accra|Addis Ababa
        Johannesburg|Cape Town|Sydney|Melbourne|Brisbane|Perth|Auckland|Wellington|Silicon Valley
        """;

    private const string RegionList = """
        Europe|Asia|Africa|North America|South America|Latin America|Oceania|Antarctica|Middle East|Scandinavia|Balkans
        Caribbean|Southeast Asia|Central Asia|East Asia|Western Europe|Eastern Europe|European Union|Mediterranean
        Alabama|Alaska|Arizona|Arkansas|California|Colorado|Connecticut|Delaware|Florida|Hawaii|Idaho|Illinois|Indiana|Iowa
        Kansas|Kentucky|Louisiana|Maine|Maryland|Massachusetts|Michigan|Minnesota|Mississippi|Missouri|Montana|Nebraska
        Nevada|New Hampshire|New Jersey|New Mexico|North Carolina|North Dakota|Ohio|Oklahoma|Oregon|Pennsylvania
        Rhode Island|South Carolina|South Dakota|Tennessee|Texas|Utah|Vermont|Virginia|West Virginia|Wisconsin|Wyoming
        Bavaria|Catalonia|Quebec|Ontario|British Columbia|Siberia|Patagonia|Tuscany|Andalusia|Normandy|Brittany|Provence
        """;

    private const string OrganizationList = """
        Google|Alphabet|Microsoft|Apple|Amazon|Meta|Facebook|Instagram|WhatsApp|Netflix|Tesla|SpaceX|OpenAI|Anthropic
        Nvidia|NVIDIA|Intel|AMD|IBM|Oracle|Salesforce|Adobe|Samsung|Sony|Toyota|Volkswagen|BMW|Mercedes-Benz|Siemens|SAP
        Airbus|Boeing|Uber|Airbnb|Spotify|Twitter|LinkedIn|YouTube|TikTok|ByteDance|Alibaba|Tencent|Huawei|Xiaomi|Baidu
        Shopify|Stripe|PayPal|Visa|Mastercard|Goldman Sachs|JPMorgan|Morgan Stanley|BlackRock|Citigroup|HSBC|Barclays
        Deutsche Bank|UBS|Coinbase|Binance|GitHub|GitLab|Slack|Zoom|Dropbox|Atlassian|Reddit|Pinterest|Snapchat|Mistral
        Hugging Face|DeepMind|Walmart|Target|Costco|Nike|Adidas|Coca-Cola|PepsiCo|McDonald's|Starbucks|Disney|Pfizer
        Moderna|Johnson & Johnson|Shell|BP|ExxonMobil|Chevron|Ford|General Motors|Honda|Nissan|Hyundai|Renault|Peugeot
        NASA|ESA|FBI|CIA|NSA|WHO|UN|United Nations|UNESCO|UNICEF|NATO|EU|IMF|World Bank|OECD|WTO|FIFA|IOC|Red Cross
        Federal Reserve|Fed|European Central Bank|ECB|Bank of England|SEC|FTC|FDA|CDC|Congress|Senate|Parliament
        European Commission|Supreme Court|White House|Kremlin|Pentagon|Harvard|Stanford|MIT|Oxford|Cambridge|Yale|Princeton
        """;

    private const string OrganizationSuffixList = """
        Inc Inc. Corp Corp. Corporation Ltd Ltd. LLC LLP PLC plc GmbH AG SA S.A. SAS SpA BV NV Co Co. Company Group Holdings
        Bank Capital Partners Ventures Labs Technologies Technology Systems Solutions Software Networks Media Studios
        University College Institute School Academy Foundation Association Society Council Committee Commission Agency
        Ministry Department Authority Board Bureau Office Hospital Clinic Airlines Airways Motors Industries Pharmaceuticals
        Energy Insurance Trust Fund Federation League Union Party Club Team Press Times Post News Journal Review Records
        """;

    private const string GivenNameList = """
        James John Robert Michael William David Richard Joseph Thomas Charles Christopher Daniel Matthew Anthony Mark Donald
        Steven Paul Andrew Joshua Kenneth Kevin Brian George Timothy Ronald Edward Jason Jeffrey Ryan Jacob Gary Nicholas Eric
        Jonathan Stephen Larry Justin Scott Brandon Benjamin Samuel Gregory Alexander Frank Patrick Raymond Jack Dennis Jerry
        Tyler Aaron Jose Adam Nathan Henry Douglas Zachary Peter Kyle Noah Ethan Jeremy Walter Christian Keith Roger Terry
        Austin Sean Gerald Carl Harold Dylan Arthur Lawrence Jordan Jesse Bryan Billy Bruce Gabriel Joe Logan Alan Juan Albert
        Willie Elijah Wayne Randy Vincent Mason Roy Ralph Bobby Russell Bradley Philip Eugene Liam Oliver Lucas Leo Max Elon
        Mary Patricia Jennifer Linda Elizabeth Barbara Susan Jessica Sarah Karen Lisa Nancy Betty Sandra Margaret Ashley
        Kimberly Emily Donna Michelle Carol Amanda Melissa Deborah Stephanie Dorothy Rebecca Sharon Laura Cynthia Amy Kathleen
        Angela Shirley Brenda Emma Anna Pamela Nicole Samantha Katherine Christine Helen Debra Rachel Carolyn Janet Maria
        Catherine Heather Diane Olivia Julie Joyce Victoria Ruth Virginia Lauren Kelly Christina Joan Evelyn Judith Andrea
        Hannah Megan Cheryl Jacqueline Martha Madison Teresa Gloria Sara Janice Ann Kathryn Abigail Sophia Frances Jean Alice
        Judy Isabella Julia Grace Amber Denise Danielle Marilyn Beverly Charlotte Natalie Theresa Diana Brittany Doris Kayla
        Alexis Lori Marie Mia Ava Chloe Zoe Lily Ella Sofia Lucia Ana Carmen Elena Laura Marta Paula Pablo Carlos Luis Miguel
        Javier Diego Alejandro Manuel Antonio Francisco Jorge Pedro Rafael Fernando Sergio Andrés Mateo Santiago Camila
        Valentina Gabriela Pierre Jean Jacques Michel Philippe Nicolas François Louis Camille Julien Antoine Mathieu Hélène
        Sophie Claire Céline Isabelle Nathalie Hans Klaus Jürgen Stefan Thomas Andreas Wolfgang Angela Ursula Petra Sabine
        Lukas Felix Jonas Leon Marco Giuseppe Giovanni Alessandro Francesca Giulia Chiara Luca Matteo Lorenzo João Ana Pedro
        Mohammed Muhammad Ahmed Ali Omar Hassan Hussein Fatima Aisha Mariam Yusuf Ibrahim Mustafa Amir Layla Priya Rahul Amit
        Raj Arjun Anjali Deepak Sanjay Sunita Vijay Ravi Wei Li Ming Hui Jing Chen Yuki Hiroshi Kenji Haruto Sakura Min-jun
        Ji-woo Seo-yeon Olga Ivan Dmitri Sergei Natasha Svetlana Vladimir Alexei Tatiana Kwame Amara Chinedu Ngozi Oluwaseun
        Tim Sam Ben Tom Dan Jim Bob Mike Nick Chris Alex Kate Liz Meg Jen Sue Jenny Kim Pat Ted Ken Ron Rob Greg Jeff Josh
        Satya Sundar Jensen Sam Sheryl Marissa Ginni Tim Jeff Bill Warren Mackenzie Rishi Emmanuel Olaf Pedro Giorgia Keir
        Joe Kamala Barack Hillary Justin Narendra Xi Recep Benjamin Volodymyr Jacinda Boris Theresa Angela Christine Janet
        """;

    private const string TitleList = """
        Mr Mr. Mrs Mrs. Ms Ms. Miss Dr Dr. Prof Prof. Professor Sir Dame Lord Lady President Vice Prime Minister Chancellor
        Senator Sen. Governor Gov. Mayor Judge Justice King Queen Prince Princess Pope Father Sister Rev. Reverend Captain
        Capt. General Gen. Colonel Col. Lieutenant Sergeant Officer Detective CEO CTO CFO COO Chairman Chairwoman Chair
        Director Founder Coach Secretary Ambassador Commissioner Sheikh Rabbi Imam Madame Monsieur Herr Frau Señor Señora
        """;

    public static IReadOnlySet<string> Places { get; } =
        Set(CountryList + "|" + CityList + "|" + RegionList, '|');

    public static IReadOnlySet<string> Organizations { get; } = Set(OrganizationList, '|');

    public static IReadOnlySet<string> OrganizationSuffixes { get; } = Set(OrganizationSuffixList, ' ');

    public static IReadOnlySet<string> GivenNames { get; } = Set(GivenNameList, ' ');

    public static IReadOnlySet<string> Titles { get; } = Set(TitleList, ' ');

    /// <summary>The longest gazetteer entry in words (for phrase lookups).</summary>
    public static int LongestEntry { get; } = Places.Concat(Organizations).Max(p => p.Split(' ').Length);

    private static HashSet<string> Set(string source, char separator) =>
        new(source.Split([separator, '\n', '\r'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries), StringComparer.Ordinal);
}
