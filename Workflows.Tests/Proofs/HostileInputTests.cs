using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Workflows.Host.Platform;
using Workflows.Tests.Infrastructure;

namespace Workflows.Tests.Proofs;

/// <summary>
/// Hostile input against every POST endpoint (and the query strings of the GET ones): malformed JSON, wrong types,
/// missing and extra fields, huge bodies, impossible and absurd dates, control characters, injection strings. Each
/// answer is a 4xx ProblemDetails, never a 500, and no table gains or loses a row. Each endpoint's valid baseline is
/// accepted, so a refusal below is about the one thing a case breaks.
/// </summary>
public abstract class HostileInputTests(WorkflowsApp app)
{
    private const string Unknown = "00000000-0000-0000-0000-00000000beef";

    /// <summary>A POST endpoint: who calls it, how to make a fresh valid request, and which fields are required, text or dates.</summary>
    /// <param name="Fresh">The caller signs in anew: the request ends its session.</param>
    public sealed record Target(
        string Route, Caller Caller, Func<WorkflowsApp, Scene, Task<(string Url, JsonObject? Body)>> Prepare, int BaselineStatus,
        string[] Required, string[] Texts, string[] Dates, bool Fresh = false)
    {
        public bool HasBody => Required.Length + Texts.Length + Dates.Length > 0;
    }

    private static string Unique() => Guid.NewGuid().ToString("N")[..8];

    private static Task<(string, JsonObject?)> Fixed(string url, JsonObject? body) => Task.FromResult<(string, JsonObject?)>((url, body));

    public static readonly Dictionary<string, Target> Targets = new()
    {
        ["POST /api/auth/login"] = new("/api/auth/login", Caller.Anonymous,
            (_, _) => Fixed("/api/auth/login", new() { ["userName"] = "member3d", ["password"] = WorkflowsApp.DemoPassword }), 200,
            ["userName", "password"], ["userName", "password"], []),
        ["POST /api/auth/refresh"] = new("/api/auth/refresh", Caller.Anonymous,
            (_, _) => Fixed("/api/auth/refresh", new() { ["refreshToken"] = "not-a-token" }), 401, ["refreshToken"], ["refreshToken"], []),
        ["POST /api/auth/logout"] = new("/api/auth/logout", Caller.Subject, (_, _) => Fixed("/api/auth/logout", null), 204, [], [], [], Fresh: true),
        ["POST /api/me/password"] = new("/api/me/password", Caller.Subject,
            (_, _) => Fixed("/api/me/password", new() { ["currentPassword"] = "Wrong@2026x", ["newPassword"] = "Hostile@2026xy" }), 422,
            ["currentPassword", "newPassword"], ["currentPassword", "newPassword"], []),
        ["POST /api/employees"] = new("/api/employees", Caller.HR,
            (_, s) => Fixed("/api/employees", new()
            {
                ["userName"] = "hx" + Unique(), ["name"] = "测试 Tester", ["password"] = "Pass@2026x", ["rank"] = "Member", ["groupId"] = s.Group1Id,
                ["roles"] = new JsonArray(),
            }), 201, ["userName", "name", "password", "groupId"], ["userName", "name", "password"], []),
        ["POST /api/groups"] = new("/api/groups", Caller.HR,
            (_, _) => Fixed("/api/groups", new() { ["name"] = "五组 Group " + Unique() }), 201, ["name"], ["name"], []),
        ["POST /api/seats"] = new("/api/seats", Caller.HR,
            (_, s) => Fixed("/api/seats", new() { ["rank"] = "Supervisor" }), 201, ["rank"], [], []),
        ["POST /api/seats/{id}/vacate"] = new("/api/seats/{id}/vacate", Caller.HR,
            (_, s) => Fixed($"/api/seats/{s.VacantSeatId}/vacate", null), 200, [], [], []),
        // The body is a file, not JSON: without one it is a 400 (no header); the huge bodies still get 413. Its hostile
        // tables are in Workflows.Tests/Operations/OrgImportTests.
        ["POST /api/org/import"] = new("/api/org/import", Caller.HR,
            (_, _) => Fixed("/api/org/import?dryRun=true", null), 400, [], [], []),
        ["POST /api/violations"] = new("/api/violations", Caller.Leader,
            (_, s) => Fixed("/api/violations", new()
            {
                ["employeeId"] = s.Id(Caller.Subject), ["ruleCode"] = "R02", ["occurredOn"] = "2026-03-01", ["description"] = "私人电话 private call",
                ["penaltyAmount"] = 10.5m,
            }), 201, ["employeeId", "ruleCode", "occurredOn", "description"], ["employeeId", "ruleCode", "description"], ["occurredOn"]),
        ["POST /api/shifts"] = new("/api/shifts", Caller.Leader,
            (_, s) => Fixed("/api/shifts", new() { ["groupId"] = s.Group1Id, ["date"] = "2026-03-25", ["start"] = "22:00", ["end"] = "06:00", ["minStaff"] = 1 }), 201,
            ["groupId", "date", "start", "end", "minStaff"], ["groupId"], ["date"]),
        ["POST /api/shifts/{id}/assignments"] = new("/api/shifts/{id}/assignments", Caller.Leader,
            async (a, s) => ($"/api/shifts/{await ShiftAsync(a, s)}/assignments", new() { ["employeeId"] = s.Id(Caller.SameGroupMember) }), 201,
            ["employeeId"], ["employeeId"], []),
        ["POST /api/shift-swaps"] = new("/api/shift-swaps", Caller.Subject,
            async (a, s) => ("/api/shift-swaps", new()
            {
                ["shiftId"] = await ShiftAsync(a, s, s.Id(Caller.Subject)), ["counterpartId"] = s.Id(Caller.SameGroupMember), ["reason"] = "看病 doctor",
            }), 201, ["shiftId", "counterpartId", "reason"], ["shiftId", "counterpartId", "reason"], []),
        ["POST /api/disputes"] = new("/api/disputes", Caller.Subject,
            async (a, s) => ("/api/disputes", new() { ["violationId"] = await ViolationAsync(a, s), ["reason"] = "不是我 not me" }), 201,
            ["violationId", "reason"], ["violationId", "reason"], []),
        ["POST /api/promotions"] = new("/api/promotions", Caller.Leader,
            (_, s) => Fixed("/api/promotions", new()
            {
                ["candidateId"] = s.Id(Caller.SameGroupMember), ["targetRank"] = "GroupLeader", ["channel"] = "DepartmentRecommendation",
                ["statement"] = "表现突出 outstanding", ["justification"] = "带新人 mentors newcomers",
            }), 201, ["candidateId", "targetRank", "channel", "statement"], ["candidateId", "statement", "justification"], []),
        ["POST /api/instances/{id}/withdraw"] = new("/api/instances/{id}/withdraw", Caller.Subject,
            async (a, s) => ($"/api/instances/{await DisputeAsync(a, s)}/withdraw", new() { ["reason"] = "算了 never mind" }), 200, [], ["reason"], []),
        ["POST /api/instances/{id}/retry"] = new("/api/instances/{id}/retry", Caller.HR,
            (_, s) => Fixed($"/api/instances/{s.PromotionId}/retry", null), 409, [], [], []),
        ["POST /api/tasks/{id}/transfer"] = new("/api/tasks/{id}/transfer", Caller.Supervisor,
            async (a, s) => ($"/api/tasks/{await HostileCalls.DisputeTaskAsync(a, s)}/transfer", new()
            {
                ["toEmployeeId"] = s.Id(Caller.Manager), ["comment"] = "请经理处理 over to you",
            }), 200, ["toEmployeeId"], ["comment"], []),
        // The dispute's decision has no reject route, so it offers no added signer: the valid request is a rule refusal.
        ["POST /api/tasks/{id}/add-signer"] = new("/api/tasks/{id}/add-signer", Caller.Supervisor,
            async (a, s) => ($"/api/tasks/{await HostileCalls.DisputeTaskAsync(a, s)}/add-signer", new()
            {
                ["employeeId"] = s.Id(Caller.Manager), ["position"] = "after", ["comment"] = "请会签 co-sign",
            }), 422, ["employeeId", "position"], ["comment"], []),
        ["POST /api/tasks/bulk-complete"] = new("/api/tasks/bulk-complete", Caller.Supervisor,
            async (a, s) => ("/api/tasks/bulk-complete", new()
            {
                ["taskIds"] = new JsonArray(await HostileCalls.DisputeTaskAsync(a, s)), ["action"] = "uphold", ["comment"] = "维持 uphold",
            }), 200, ["taskIds", "action"], ["comment"], []),
        ["POST /api/instances/{id}/remind"] = new("/api/instances/{id}/remind", Caller.Subject,
            async (a, s) => ($"/api/instances/{await DisputeAsync(a, s)}/remind", null), 200, [], [], []),
        ["POST /api/instances/{id}/cc"] = new("/api/instances/{id}/cc", Caller.HR,
            async (a, s) => ($"/api/instances/{await DisputeAsync(a, s)}/cc", new()
            {
                ["employeeIds"] = new JsonArray(s.Id(Caller.Manager)), ["comment"] = "供参考 fyi",
            }), 200, ["employeeIds"], ["comment"], []),
        ["POST /api/tasks/{id}/claim"] = new("/api/tasks/{id}/claim", Caller.Supervisor,
            async (a, s) => ($"/api/tasks/{await DisputeTaskAsync(a, s)}/claim", null), 200, [], [], []),
        ["POST /api/tasks/{id}/release"] = new("/api/tasks/{id}/release", Caller.Supervisor,
            async (a, s) => ($"/api/tasks/{await DisputeTaskAsync(a, s)}/release", null), 409, [], [], []),
        ["POST /api/tasks/{id}/complete"] = new("/api/tasks/{id}/complete", Caller.Supervisor,
            async (a, s) => ($"/api/tasks/{await DisputeTaskAsync(a, s)}/complete", new()
            {
                ["action"] = "reduce", ["comment"] = "减半 halve", ["data"] = new JsonObject { ["amount"] = 5 },
            }), 200, ["action"], ["action", "comment"], []),
        ["POST /api/rewards"] = new("/api/rewards", Caller.Supervisor,
            (_, s) => Fixed("/api/rewards", new() { ["employeeId"] = s.Id(Caller.Subject), ["amount"] = 20, ["reason"] = "好评 praise", ["awardedOn"] = "2026-03-01" }), 201,
            ["employeeId", "amount", "reason"], ["employeeId", "reason"], ["awardedOn"]),
        ["POST /api/months/{month}/close"] = new("/api/months/{month}/close", Caller.HR,
            (_, _) => Fixed("/api/months/2026-01/close", null), 200, [], [], []),
        ["POST /api/notifications/read-all"] = new("/api/notifications/read-all", Caller.Subject,
            (_, _) => Fixed("/api/notifications/read-all", null), 200, [], [], []),
        ["POST /api/notifications/{id}/read"] = new("/api/notifications/{id}/read", Caller.Subject,
            (_, _) => Fixed($"/api/notifications/{Unknown}/read", null), 404, [], [], []),
        ["POST /api/notification-deliveries/{id}/retry"] = new("/api/notification-deliveries/{id}/retry", Caller.HR,
            (_, _) => Fixed($"/api/notification-deliveries/{Unknown}/retry", null), 404, [], [], []),
    };

    public static TheoryData<string> TargetKeys => [.. Targets.Keys];

    private static readonly string[] ImpossibleDates = ["2026-02-30", "2026-13-01", "2026-00-10", "2026-04-31", "today"];

    /// <summary>Real dates in another form: a body (JSON, yyyy-MM-dd) refuses them; a query filter may read them leniently.</summary>
    private static readonly string[] OtherForms = ["2026/03/01", "20260301", "2026-3-1"];

    private static readonly string[] AbsurdDates = ["0001-01-01", "1900-01-01", "9999-12-31", "2999-01-01"];

    private static readonly string[] ControlTexts = ["a\u0000b", "bell\u0007", "esc\u001b[31m", "del\u007f", "\u0000"];

    [Fact]
    public void EveryPostEndpoint_HasATarget()
    {
        var posts = AuthorizationMatrixTests.Rows.Where(r => r.Method == "POST").Select(r => $"POST {r.Route}").ToHashSet(StringComparer.Ordinal);
        Assert.Empty(posts.Except(Targets.Keys).Order(StringComparer.Ordinal));
        Assert.Empty(Targets.Keys.Except(posts).Order(StringComparer.Ordinal));
    }

    [Theory]
    [MemberData(nameof(TargetKeys))]
    public async Task Baseline_IsAccepted(string key)
    {
        var target = Targets[key];
        var scene = await Scene.OfAsync(app);
        var (url, body) = await target.Prepare(app, scene);
        using var client = await Scene.ClientAsync(app, target.Caller, target.Fresh);
        using var response = await client.PostAsync(url, body is null ? null : Json(body.ToJsonString()));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(target.BaselineStatus == (int)response.StatusCode, $"{key} baseline: expected {target.BaselineStatus}, got {(int)response.StatusCode} {text}");
    }

    [Theory]
    [MemberData(nameof(TargetKeys))]
    public async Task HostileBody_Is4xxProblem_AndWritesNothing(string key)
    {
        var target = Targets[key];
        var scene = await Scene.OfAsync(app);
        var (url, baseline) = await target.Prepare(app, scene);
        var cases = new List<(string Name, HttpContent Content, int? Status)>
        {
            ("huge body", Json("{\"pad\":\"" + new string('x', (int)WebSetup.MaxRequestBodyBytes + 10) + "\"}"), 413),
            ("huge streamed body", Streamed("{\"pad\":\"" + new string('x', (int)WebSetup.MaxRequestBodyBytes + 10) + "\"}"), 413),
        };
        if (baseline is not null)
        {
            var json = baseline.ToJsonString();
            cases.Add(("malformed JSON", Json(json[..^1] + ","), 400));
            cases.Add(("truncated JSON", Json(json[..(json.Length / 2)]), 400));
            cases.Add(("not JSON", Json("userName=hr&password=x"), 400));
            cases.Add(("an array", Json("[]"), 400));
            cases.Add(("a string", Json("\"text\""), 400));
            cases.Add(("a number", Json("42"), 400));
            cases.Add(("extra field", Json(With(baseline, "status", JsonValue.Create("Approved"))), 400));
            cases.Add(("extra id field", Json(With(baseline, "id", JsonValue.Create(Unknown))), 400));
            cases.Add(("form content type", new FormUrlEncodedContent(new Dictionary<string, string> { ["a"] = "b" }), null));
            cases.Add(("control character in a field name", Json(json.Replace("\"" + baseline.First().Key + "\":", "\"" + baseline.First().Key + "\u0000\":", StringComparison.Ordinal)), 400));
            if (target.Required.Length > 0)
            {
                cases.Add(("empty object", Json("{}"), 400));
                cases.Add(("null", Json("null"), 400));
            }

            foreach (var field in target.Required)
            {
                cases.Add(($"missing {field}", Json(Without(baseline, field)), 400));
                cases.Add(($"null {field}", Json(With(baseline, field, null)), 400));
            }

            foreach (var (field, value) in baseline)
            {
                foreach (var wrong in WrongTypes(value))
                {
                    cases.Add(($"{field} as {wrong.ToJsonString()}", Json(With(baseline, field, wrong)), 400));
                }
            }

            foreach (var field in target.Texts)
            {
                foreach (var text in ControlTexts)
                {
                    cases.Add(($"{field} with control characters {JsonSerializer.Serialize(text)}", Json(With(baseline, field, JsonValue.Create(text))), 400));
                }

                cases.Add(($"{field} with a lone surrogate", Json(json.Replace($"\"{field}\":\"", $"\"{field}\":\"\\ud800", StringComparison.Ordinal)), 400));
                cases.Add(($"{field} huge", Json(With(baseline, field, JsonValue.Create(new string('长', (int)WebSetup.MaxRequestBodyBytes / 3 + 10)))), 413));
            }

            foreach (var field in target.Dates)
            {
                foreach (var date in ImpossibleDates.Concat(OtherForms))
                {
                    cases.Add(($"{field} = {date}", Json(With(baseline, field, JsonValue.Create(date))), 400));
                }

                foreach (var date in AbsurdDates)
                {
                    cases.Add(($"{field} = {date}", Json(With(baseline, field, JsonValue.Create(date))), null));
                }
            }
        }

        var failures = new List<string>();
        using var client = await Scene.ClientAsync(app, target.Caller, target.Fresh);
        foreach (var (name, content, status) in cases)
        {
            var before = await TableCounts.AllAsync(app);
            using var response = await client.PostAsync(url, content);
            var after = await TableCounts.AllAsync(app);
            var problem = await CheckProblemAsync(response, status);
            if (problem is not null)
            {
                failures.Add($"{name}: {problem}");
            }

            var diff = TableCounts.Diff(before, after);
            if (diff.Length > 0)
            {
                failures.Add($"{name}: rows changed: {diff}");
            }

            content.Dispose();
        }

        Assert.True(failures.Count == 0, $"{key} ({cases.Count} cases):\n" + string.Join("\n", failures));
    }

    /// <summary>Hostile ids in the address of every route with one: injection, traversal, control characters, a very long id.</summary>
    [Fact]
    public async Task HostileIds_InTheAddress_Are4xxProblems()
    {
        var scene = await Scene.OfAsync(app);
        string[] ids = ["' OR '1'='1", "1; DROP TABLE \"AspNetUsers\"; --", "..%2F..%2Fetc%2Fpasswd", "%1B%5B31m", "a%07b", "%7F", "<script>alert(1)</script>", new string('9', 4000), "张三"];
        string[] routes =
        [
            "GET /api/employees/{id}", "GET /api/employees/{id}/violations", "GET /api/violations/{id}", "GET /api/instances/{id}", "GET /api/instances/{id}/history",
            "GET /api/tasks/{id}", "GET /api/shifts/{id}", "POST /api/seats/{id}/vacate", "POST /api/shifts/{id}/assignments", "POST /api/instances/{id}/withdraw",
            "POST /api/instances/{id}/retry", "POST /api/tasks/{id}/claim", "POST /api/tasks/{id}/release", "POST /api/tasks/{id}/complete", "POST /api/months/{month}/close",
        ];
        var failures = new List<string>();
        using var hr = await Scene.ClientAsync(app, Caller.HR);
        foreach (var route in routes)
        {
            var (method, pattern) = (route.Split(' ')[0], route.Split(' ')[1]);
            foreach (var id in ids)
            {
                var escaped = id.Contains('%', StringComparison.Ordinal) ? id : Uri.EscapeDataString(id);
                using var request = new HttpRequestMessage(new HttpMethod(method), pattern.Replace("{id}", escaped).Replace("{month}", escaped));
                if (method == "POST" && pattern.EndsWith("complete", StringComparison.Ordinal))
                {
                    request.Content = Json("{\"action\":\"approve\"}");
                }
                else if (method == "POST" && pattern.EndsWith("assignments", StringComparison.Ordinal))
                {
                    request.Content = Json($"{{\"employeeId\":\"{scene.Id(Caller.Subject)}\"}}");
                }

                var before = await TableCounts.AllAsync(app);
                using var response = await hr.SendAsync(request);
                var problem = await CheckProblemAsync(response, null);
                if (problem is not null)
                {
                    failures.Add($"{route} with '{id[..Math.Min(id.Length, 40)]}': {problem}");
                }

                var diff = TableCounts.Diff(before, await TableCounts.AllAsync(app));
                if (diff.Length > 0)
                {
                    failures.Add($"{route} with '{id[..Math.Min(id.Length, 40)]}': rows changed: {diff}");
                }
            }
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    /// <summary>Query strings of the GET endpoints: a bad value is a 400 ProblemDetails (or, for a filter, an empty answer), never a 500.</summary>
    [Theory]
    [InlineData("/api/eligibility?employeeId={subject}&targetRank=GroupLeader&asOf=", "asOf")]
    [InlineData("/api/instances?from=", "from")]
    [InlineData("/api/instances?to=", "to")]
    [InlineData("/api/shifts?from=", "from")]
    [InlineData("/api/shifts?to=", "to")]
    [InlineData("/api/statements?month=", "month")]
    [InlineData("/api/statements?employeeId={subject}&month=", "month")]
    [InlineData("/api/fund?from=", "from")]
    [InlineData("/api/fund?to=", "to")]
    public async Task HostileDates_InTheQuery_AreRefusedOrHarmless(string url, string field)
    {
        var scene = await Scene.OfAsync(app);
        var monthly = url.Contains("month=", StringComparison.Ordinal) || url.StartsWith("/api/fund", StringComparison.Ordinal);
        string[] impossible = monthly ? ["2026-13", "2026-00", "26-03", "2026-3x", "%00"] : [.. ImpossibleDates, "%00"];
        string[] absurd = monthly ? ["0001-01", "9999-12", "1900-01"] : AbsurdDates;
        var failures = new List<string>();
        using var hr = await Scene.ClientAsync(app, Caller.HR);
        string[] lenient = monthly ? [] : OtherForms;
        foreach (var (value, mustRefuse) in impossible.Select(v => (v, true)).Concat(absurd.Concat(lenient).Select(v => (v, false))))
        {
            var address = url.Replace("{subject}", scene.Id(Caller.Subject), StringComparison.Ordinal) + (value.StartsWith('%') ? value : Uri.EscapeDataString(value));
            using var response = await hr.GetAsync(address);
            var problem = response.StatusCode == HttpStatusCode.OK && !mustRefuse ? null : await CheckProblemAsync(response, mustRefuse ? 400 : null);
            if (problem is not null)
            {
                failures.Add($"{field}={value}: {problem}");
            }
        }

        Assert.True(failures.Count == 0, url + "\n" + string.Join("\n", failures));
    }

    /// <summary>The date filters work on both lanes (a +08:00 instant as a PostgreSQL parameter used to be a 500).</summary>
    [Fact]
    public async Task InstanceDateFilters_FindTheDaysInstances()
    {
        var scene = await Scene.OfAsync(app);
        using var hr = await Scene.ClientAsync(app, Caller.HR);
        var today = await ApiAssert.JsonAsync(await hr.GetAsync("/api/instances?from=2026-03-02&to=2026-03-02&pageSize=200"));
        Assert.Contains(today.GetProperty("items").EnumerateArray(), i => i.GetProperty("id").GetString() == scene.PromotionId);
        var before = await ApiAssert.JsonAsync(await hr.GetAsync("/api/instances?to=2026-03-01"));
        Assert.Equal(0, before.GetProperty("total").GetInt32());
    }

    /// <summary>Text that looks hostile but is legitimate (injection strings, markup, mixed Chinese and English) is stored
    /// verbatim and shown as text, never run: in the API's answers and on the instance's page.</summary>
    [Fact]
    public async Task OddButValidText_IsStoredVerbatim_AndRenderedAsText()
    {
        var scene = await Scene.OfAsync(app);
        const string Odd = "理由 reason: <script>alert('x')</script> \"; DROP TABLE \"AspNetUsers\"; -- ' OR '1'='1 {{7*7}} ${jndi:x} 中文 English\n第二行\tTab";
        var violation = await ViolationAsync(app, scene);
        using var member = await Scene.ClientAsync(app, Caller.Subject);
        var before = await TableCounts.AllAsync(app);
        var created = await ApiAssert.JsonAsync(await member.PostAsJsonAsync("/api/disputes", new { violationId = violation, reason = Odd }), HttpStatusCode.Created);
        var id = created.GetProperty("id").GetString()!;
        Assert.Equal(Odd, created.GetProperty("data").GetProperty("reason").GetString());
        var after = await TableCounts.AllAsync(app);
        Assert.Equal(before["\"AspNetUsers\""], after["\"AspNetUsers\""]);
        Assert.Equal(before["\"Instances\""] + 1, after["\"Instances\""]);

        var read = await ApiAssert.JsonAsync(await member.GetAsync($"/api/instances/{id}"));
        Assert.Equal(Odd, read.GetProperty("data").GetProperty("reason").GetString());

        using var leader = await Scene.ClientAsync(app, Caller.Leader);
        var description = "说明 <b>bold</b> & 'quotes' \"double\" Robert'); DROP TABLE Students;--";
        var recorded = await ApiAssert.JsonAsync(await leader.PostAsJsonAsync("/api/violations",
            new { employeeId = scene.Id(Caller.Subject), ruleCode = "R08", occurredOn = "2026-03-02", description }), HttpStatusCode.Created);
        var stored = await ApiAssert.JsonAsync(await leader.GetAsync($"/api/violations/{recorded.GetProperty("id").GetString()}"));
        Assert.Equal(description, stored.GetProperty("violation").GetProperty("description").GetString());

        using var web = await Web.WebSession.SignInAsync(app, "member1a");
        var (status, html) = await web.GetAsync($"/Instances/{id}");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.DoesNotContain("<script>alert('x')</script>", html, StringComparison.Ordinal);
        Assert.Contains("&lt;script&gt;", html, StringComparison.Ordinal);
    }

    private static async Task<string?> CheckProblemAsync(HttpResponseMessage response, int? status)
    {
        var code = (int)response.StatusCode;
        var body = await response.Content.ReadAsStringAsync();
        var summary = body.Length > 300 ? body[..300] + "…" : body;
        if (status is { } wanted ? code != wanted : code is < 400 or >= 500)
        {
            return $"expected {status?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "4xx"}, got {code} {summary}";
        }

        if (response.Content.Headers.ContentType?.MediaType != "application/problem+json")
        {
            return $"{code} is not ProblemDetails ({response.Content.Headers.ContentType}): {summary}";
        }

        using var problem = JsonDocument.Parse(body);
        return problem.RootElement.TryGetProperty("detail", out var detail) && !string.IsNullOrWhiteSpace(detail.GetString())
            ? null
            : $"{code} without a detail: {summary}";
    }

    private static IEnumerable<JsonNode> WrongTypes(JsonNode? value) => value?.GetValueKind() switch
    {
        JsonValueKind.String => [JsonValue.Create(42), JsonValue.Create(true), new JsonArray("a"), new JsonObject { ["a"] = 1 }],
        JsonValueKind.Number => [JsonValue.Create("abc"), JsonValue.Create(false), new JsonArray(1), new JsonObject()],
        JsonValueKind.Object => [JsonValue.Create("x"), new JsonArray()],
        JsonValueKind.Array => [JsonValue.Create("HR"), new JsonObject()],
        _ => [],
    };

    private static string With(JsonObject baseline, string field, JsonNode? value)
    {
        var copy = baseline.DeepClone().AsObject();
        copy[field] = value;
        return copy.ToJsonString();
    }

    private static string Without(JsonObject baseline, string field)
    {
        var copy = baseline.DeepClone().AsObject();
        copy.Remove(field);
        return copy.ToJsonString();
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    /// <summary>A body without Content-Length (chunked): the size limit must hold while it is read.</summary>
    private static StreamContent Streamed(string json)
    {
        var content = new StreamContent(new NoLengthStream(Encoding.UTF8.GetBytes(json)));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        return content;
    }

    private static int shiftDays;

    /// <summary>A new group-1 shift on a day of its own (April onwards), so nobody's shifts overlap.</summary>
    private static async Task<string> ShiftAsync(WorkflowsApp app, Scene scene, string? assignee = null)
    {
        var date = new DateOnly(2026, 4, 1).AddDays(Interlocked.Increment(ref shiftDays)).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        using var leader = await Scene.ClientAsync(app, Caller.Leader);
        var shift = (await ApiAssert.JsonAsync(await leader.PostAsJsonAsync("/api/shifts",
            new { groupId = scene.Group1Id, date, start = "09:00", end = "17:00", minStaff = 0 }), HttpStatusCode.Created)).GetProperty("id").GetString()!;
        if (assignee is not null)
        {
            await ApiAssert.JsonAsync(await leader.PostAsJsonAsync($"/api/shifts/{shift}/assignments", new { employeeId = assignee }), HttpStatusCode.Created);
        }

        return shift;
    }

    private static async Task<string> ViolationAsync(WorkflowsApp app, Scene scene)
    {
        using var leader = await Scene.ClientAsync(app, Caller.Leader);
        return (await ApiAssert.JsonAsync(await leader.PostAsJsonAsync("/api/violations",
            new { employeeId = scene.Id(Caller.Subject), ruleCode = "R14", occurredOn = "2026-03-01", description = "忙碌 busy" }), HttpStatusCode.Created))
            .GetProperty("id").GetString()!;
    }

    private static async Task<string> DisputeAsync(WorkflowsApp app, Scene scene)
    {
        var violation = await ViolationAsync(app, scene);
        using var member = await Scene.ClientAsync(app, Caller.Subject);
        return (await ApiAssert.JsonAsync(await member.PostAsJsonAsync("/api/disputes", new { violationId = violation, reason = "申诉 dispute" }), HttpStatusCode.Created))
            .GetProperty("id").GetString()!;
    }

    private static async Task<string> DisputeTaskAsync(WorkflowsApp app, Scene scene)
    {
        var dispute = await DisputeAsync(app, scene);
        return (await app.TaskInInboxAsync("supervisor", dispute)).GetProperty("id").GetString()!;
    }

    /// <summary>A stream that does not tell its length, so the client sends it chunked.</summary>
    private sealed class NoLengthStream(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;
    }
}

public sealed class HostileInputTests_Sqlite(SqliteApp app) : HostileInputTests(app), IClassFixture<SqliteApp>;

public sealed class HostileInputTests_Postgres : HostileInputTests, IClassFixture<PostgresApp>
{
    public HostileInputTests_Postgres(PostgresApp app) : base(app) => PostgresLane.EnsureAvailable();
}

/// <summary>
/// The hostile-input proof grown for issue 16: every money field with the decimal extremes, every creating POST twice at
/// once (with and without an idempotency key), every page and API filter with dates and months at the extremes. No answer
/// is 500 or more, and the row counts show nothing half-written.
/// </summary>
public abstract class HostileInputGrowthTests(WorkflowsApp app)
{
    private static readonly string[] MoneyExtremes =
    [
        "0", "-0", "-0.01", "0.001", "0.0000000000000000000000000001", "100000.01", "100000.001", "79228162514264337593543950335",
        "-79228162514264337593543950335", "7.9228162514264337593543950335", "1e30", "-1e30", "1e-30", "\"-12\"", "\"0.001\"", "\"abc\"", "true", "[]",
    ];

    private static void Report(string what, int requests, int fiveXx) =>
        TestContext.Current.TestOutputHelper?.WriteLine($"hostile-input {what}: {requests} requests, {fiveXx} answers >= 500");

    /// <summary>Penalty, reward and a dispute's reduced amount with the extremes: each a 4xx, never a write.</summary>
    [Fact]
    public async Task EveryMoneyField_WithDecimalExtremes_Is4xx_AndWritesNothing()
    {
        var scene = await Scene.OfAsync(app);
        var dispute = await HostileCalls.DisputeTaskAsync(app, scene);
        using var leader = await Scene.ClientAsync(app, Caller.Leader);
        using var supervisor = await Scene.ClientAsync(app, Caller.Supervisor);
        var failures = new List<string>();
        var (requests, fiveXx) = (0, 0);
        foreach (var amount in MoneyExtremes)
        {
            foreach (var (client, url, body) in new[]
                     {
                         (leader, "/api/violations", $"{{\"employeeId\":\"{scene.Id(Caller.Subject)}\",\"ruleCode\":\"R02\",\"occurredOn\":\"2026-03-01\",\"description\":\"x\",\"penaltyAmount\":{amount}}}"),
                         (supervisor, "/api/rewards", $"{{\"employeeId\":\"{scene.Id(Caller.Subject)}\",\"amount\":{amount},\"reason\":\"r\"}}"),
                         (supervisor, $"/api/tasks/{dispute}/complete", $"{{\"action\":\"reduce\",\"data\":{{\"amount\":{amount}}}}}"),
                     })
            {
                var before = await TableCounts.AllAsync(app);
                using var response = await client.PostAsync(url, new StringContent(body, System.Text.Encoding.UTF8, "application/json"));
                requests++;
                var code = (int)response.StatusCode;
                fiveXx += code >= 500 ? 1 : 0;
                if (code is < 400 or >= 500)
                {
                    failures.Add($"{url} amount {amount}: {code} {await response.Content.ReadAsStringAsync()}");
                }

                if (TableCounts.Diff(before, await TableCounts.AllAsync(app)) is { Length: > 0 } diff)
                {
                    failures.Add($"{url} amount {amount}: rows changed: {diff}");
                }
            }
        }

        Report("money", requests, fiveXx);
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    /// <summary>Every creating POST sent twice at once: with one idempotency key both answers are the first answer and
    /// one set of rows is written; without a key nothing answers 500 or more.</summary>
    [Theory]
    [MemberData(nameof(CreatingTargets))]
    public async Task EveryCreatingPost_TwiceAtOnce_NeverFails_AndWithAKeyCreatesOnce(string key)
    {
        var target = HostileInputTests.Targets[key];
        var scene = await Scene.OfAsync(app);
        using var client = await Scene.ClientAsync(app, target.Caller);
        var (url, body) = await target.Prepare(app, scene);
        var idempotency = Guid.NewGuid().ToString("N");
        async Task<(int Status, string Body)> SendAsync(string? withKey)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, url)
            {
                Content = body is null ? null : new StringContent(body.ToJsonString(), System.Text.Encoding.UTF8, "application/json"),
            };
            if (withKey is not null)
            {
                request.Headers.Add("Idempotency-Key", withKey);
            }

            using var response = await client.SendAsync(request);
            return ((int)response.StatusCode, await response.Content.ReadAsStringAsync());
        }

        var before = await TableCounts.AllAsync(app);
        var keyed = await Task.WhenAll(SendAsync(idempotency), SendAsync(idempotency));
        Assert.Equal(keyed[0], keyed[1]);
        var afterKeyed = await TableCounts.AllAsync(app);
        // The things created: at most one of each, however many rows (history, tasks) one creation writes.
        foreach (var table in new[] { "\"Instances\"", "\"Groups\"", "\"AspNetUsers\"", "\"Violations\"", "\"Shifts\"", "\"ShiftAssignments\"", "\"Rewards\"" })
        {
            Assert.True(afterKeyed[table] - before[table] <= 1, $"{key}: {table} grew by {afterKeyed[table] - before[table]}");
        }

        var (freshUrl, freshBody) = await target.Prepare(app, scene);
        (url, body) = (freshUrl, freshBody);
        var plain = await Task.WhenAll(SendAsync(null), SendAsync(null));
        Report($"twice at once {key}", 4, keyed.Concat(plain).Count(a => a.Status >= 500));
        Assert.All(keyed.Concat(plain), a => Assert.True(a.Status < 500, $"{key}: {a.Status} {a.Body}"));
    }

    public static TheoryData<string> CreatingTargets =>
    [
        "POST /api/employees", "POST /api/groups", "POST /api/violations", "POST /api/shifts", "POST /api/shifts/{id}/assignments",
        "POST /api/shift-swaps", "POST /api/disputes", "POST /api/promotions", "POST /api/rewards",
    ];

    /// <summary>Every page and API filter with dates and months at and beyond the extremes: never 500 or more.</summary>
    [Fact]
    public async Task EveryFilter_WithDatesAtTheExtremes_AnswersBelow500()
    {
        var scene = await Scene.OfAsync(app);
        string[] dates = ["0001-01-01", "1899-12-31", "1900-01-01", "2199-12-31", "2200-01-01", "9999-12-31", "-0001-01-01", "99999-01-01", "2026-02-30"];
        string[] months = ["0001-01", "1900-01", "2199-12", "9999-12", "0000-01", "10000-01", "2026-00"];
        string[] pages =
        [
            "/Roster?From={d}", "/History?From={d}", "/History?To={d}", "/History?From={d}&To=9999-12-31", "/History?From=0001-01-01&To={d}",
            "/History/Export?From={d}&To={d}", "/Violations?From={d}&To={d}", "/Statements?Month={m}", $"/Statements?Employee={scene.Id(Caller.Subject)}&Month={{m}}",
            "/Inbox?Type={d}", "/Statements/Mine", "/Rewards", "/Seats", "/Org", $"/Instances/{scene.PromotionId}",
        ];
        string[] api =
        [
            "/api/instances?from={d}", "/api/instances?to={d}", "/api/instances?from={d}&to=9999-12-31", "/api/shifts?from={d}", "/api/shifts?to={d}",
            $"/api/eligibility?employeeId={scene.Id(Caller.Subject)}&targetRank=GroupLeader&asOf={{d}}", "/api/statements?month={m}", "/api/fund?from={m}",
            "/api/fund?to={m}", "/api/tasks?status={d}", "/api/instances?status={d}&page=2147483647&pageSize=200",
        ];
        using var web = await Web.WebSession.SignInAsync(app, "hr");
        using var hr = await Scene.ClientAsync(app, Caller.HR);
        var failures = new List<string>();
        var requests = 0;
        foreach (var pattern in pages.Concat(api))
        {
            var values = pattern.Contains("{m}", StringComparison.Ordinal) ? months : pattern.Contains("{d}", StringComparison.Ordinal) ? dates : [""];
            foreach (var value in values)
            {
                var url = pattern.Replace("{d}", Uri.EscapeDataString(value), StringComparison.Ordinal).Replace("{m}", Uri.EscapeDataString(value), StringComparison.Ordinal);
                int code;
                if (pattern.StartsWith("/api", StringComparison.Ordinal))
                {
                    using var response = await hr.GetAsync(url);
                    code = (int)response.StatusCode;
                }
                else
                {
                    code = (int)(await web.GetAsync(url)).Status;
                }

                requests++;
                if (code >= 500)
                {
                    failures.Add($"{url}: {code}");
                }
            }
        }

        Report("filters", requests, failures.Count);
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }
}

/// <summary>The helpers of <see cref="HostileInputTests"/> that the growth uses too.</summary>
internal static class HostileCalls
{
    public static async Task<string> DisputeTaskAsync(WorkflowsApp app, Scene scene)
    {
        using var leader = await Scene.ClientAsync(app, Caller.Leader);
        var violation = (await ApiAssert.JsonAsync(await leader.PostAsJsonAsync("/api/violations",
            new { employeeId = scene.Id(Caller.Subject), ruleCode = "R14", occurredOn = "2026-03-01", description = "忙碌 busy", penaltyAmount = 20 }),
            HttpStatusCode.Created)).GetProperty("id").GetString()!;
        using var member = await Scene.ClientAsync(app, Caller.Subject);
        var dispute = (await ApiAssert.JsonAsync(await member.PostAsJsonAsync("/api/disputes", new { violationId = violation, reason = "申诉 dispute" }), HttpStatusCode.Created))
            .GetProperty("id").GetString()!;
        return (await app.TaskInInboxAsync("supervisor", dispute)).GetProperty("id").GetString()!;
    }
}

public sealed class HostileInputGrowthTests_Sqlite(SqliteApp app) : HostileInputGrowthTests(app), IClassFixture<SqliteApp>;

public sealed class HostileInputGrowthTests_Postgres : HostileInputGrowthTests, IClassFixture<PostgresApp>
{
    public HostileInputGrowthTests_Postgres(PostgresApp app) : base(app) => PostgresLane.EnsureAvailable();
}
