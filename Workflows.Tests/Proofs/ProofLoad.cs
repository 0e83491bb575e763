using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace Workflows.Tests.Proofs;

/// <summary>One answer the load was given a success for: it must still be there after any crash.</summary>
/// <param name="Kind">What was acknowledged: instance, violation, completion, vacancy.</param>
/// <param name="Id">The instance, violation, task or seat id.</param>
/// <param name="ActorId">Who acted (completions).</param>
/// <param name="Detail">The action taken (completions) or the instance type.</param>
public sealed record Ack(AckKind Kind, string Id, string ActorId, string Detail);

public enum AckKind
{
    Instance,
    Violation,
    Completion,
    Vacancy,
}

/// <summary>A signed-in demo account as the load uses it.</summary>
public sealed record LoadAccount(string UserName, string Id, string Token, string? Rank, string? GroupId);

/// <summary>
/// A sustained, mixed load on the demo department through the HTTP API, over one or more host nodes:
/// members file promotions, shift swaps and disputes, leaders record violations, every account works
/// its inbox (two loops each for HR and the supervisor, so the same tasks are raced), and HR now and
/// then vacates a group-leader seat so waiting promotions compete for it. Every success answer is kept
/// in <see cref="Acks"/>; every answer's status and latency in the statistics.
/// </summary>
public sealed class ProofLoad : IDisposable
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private static readonly string[] Rules = ["R01", "R02", "R03", "R05", "R08", "R13"];
    private static readonly decimal[] Penalties = [10m, 20m, 50m];

    private readonly Uri[] addresses;
    private HttpClient[] nodes;
    private readonly ConcurrentQueue<double> latencies = new();
    private readonly ConcurrentDictionary<int, int> statuses = new();
    private readonly ConcurrentQueue<string> serverErrors = new();
    private readonly Dictionary<string, LoadAccount> accounts = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> outstanding = new(StringComparer.Ordinal);
    private long transportErrors;
    private long requests;
    private int nextNode;
    private DateOnly today;
    private string currentMonth = "";

    public ProofLoad(IEnumerable<Uri> nodeAddresses)
    {
        addresses = [.. nodeAddresses];
        nodes = Connect(addresses);
    }

    private static HttpClient[] Connect(Uri[] addresses) => [.. addresses.Select(a => new HttpClient(new SocketsHttpHandler
    {
        PooledConnectionLifetime = TimeSpan.FromMinutes(1),
        MaxConnectionsPerServer = 64,
    })
    { BaseAddress = a, Timeout = TimeSpan.FromSeconds(60) })];

    /// <summary>Drops every pooled connection (after a node was killed and started again) so none of them is a dead one.</summary>
    public void Reconnect()
    {
        var old = nodes;
        nodes = Connect(addresses);
        foreach (var client in old)
        {
            client.Dispose();
        }
    }

    /// <summary>An API client on node <paramref name="index"/>, for checks.</summary>
    public HttpClient Node(int index) => nodes[index];

    /// <summary>Every success answer, in order of arrival.</summary>
    public ConcurrentQueue<Ack> Acks { get; } = new();

    public IReadOnlyDictionary<string, LoadAccount> Accounts => accounts;

    public string CurrentMonth => currentMonth;

    public long Requests => Interlocked.Read(ref requests);

    /// <summary>Requests that got no HTTP answer at all (connection refused or reset: a node was killed).</summary>
    public long TransportErrors => Interlocked.Read(ref transportErrors);

    public int Count5xx => statuses.Where(s => s.Key >= 500).Sum(s => s.Value);

    public int Count(int status) => statuses.GetValueOrDefault(status);

    public IReadOnlyCollection<string> ServerErrors => serverErrors;

    /// <summary>Signs in every demo account and lays out a roster: each group, each of the next days, a morning
    /// and an afternoon shift with two members each (minimum staff two), so swaps have somewhere to go.</summary>
    public async Task SetUpAsync(int rosterDays = 2)
    {
        var system = await ReadAsync("GET", "/api/system", token: null);
        today = DateOnly.ParseExact(system.GetProperty("today").GetString()!, "yyyy-MM-dd", CultureInfo.InvariantCulture);
        currentMonth = today.ToString("yyyy-MM", CultureInfo.InvariantCulture);
        foreach (var user in Workflows.Host.Platform.DemoSeed.Accounts.Keys)
        {
            await SignInAsync(user);
        }

        var supervisor = accounts["supervisor"].Token;
        foreach (var group in new[] { "1", "2", "3" })
        {
            var members = "abcd".Select(l => accounts[$"member{group}{l}"].Id).ToArray();
            var groupId = accounts[$"member{group}a"].GroupId!;
            for (var day = 1; day <= rosterDays; day++)
            {
                var date = today.AddDays(day).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
                foreach (var (start, end, people) in new[] { ("08:00", "12:00", members[..2]), ("13:00", "17:00", members[2..]) })
                {
                    var shift = await ReadAsync("POST", "/api/shifts", supervisor, new { groupId, date, start, end, minStaff = 2 }, HttpStatusCode.Created);
                    foreach (var person in people)
                    {
                        await ReadAsync("POST", $"/api/shifts/{shift.GetProperty("id").GetString()}/assignments", supervisor, new { employeeId = person }, HttpStatusCode.Created);
                    }
                }
            }
        }
    }

    /// <summary>Signs in (again) every account, e.g. on a node that was just started: tokens outlive restarts, so this is only a check.</summary>
    public async Task SignInAsync(string userName)
    {
        var login = await ReadAsync("POST", "/api/auth/login", token: null, new { userName, password = Workflows.Host.Platform.DemoSeed.Password });
        var token = login.GetProperty("accessToken").GetString()!;
        var me = await ReadAsync("GET", "/api/me", token);
        accounts[userName] = new LoadAccount(userName, me.GetProperty("id").GetString()!, token,
            me.TryGetProperty("rank", out var rank) && rank.ValueKind == JsonValueKind.String ? rank.GetString() : null,
            me.TryGetProperty("groupId", out var group) && group.ValueKind == JsonValueKind.String ? group.GetString() : null);
    }

    /// <summary>Runs the virtual users until <paramref name="stop"/> is cancelled.</summary>
    public async Task RunAsync(CancellationToken stop, int seed = 2026)
    {
        var users = new List<string> { "hr", "hr", "supervisor", "supervisor", "manager", "leader1", "leader2", "leader3" };
        users.AddRange(accounts.Keys.Where(k => k.StartsWith("member", StringComparison.Ordinal)).Order(StringComparer.Ordinal));
        await Task.WhenAll(users.Select((user, i) => Task.Run(() => UserLoopAsync(accounts[user], new Random(seed + i), stop), CancellationToken.None)));
    }

    private async Task UserLoopAsync(LoadAccount me, Random random, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            try
            {
                var worked = random.NextDouble() < 0.6 ? await WorkInboxAsync(me, random, stop) : await TakeInitiativeAsync(me, random, stop);
                if (!worked)
                {
                    await Task.Delay(random.Next(20, 60), stop);
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (LoadCallFailed)
            {
                // Counted where it happened; a crashed node answers nothing until it is back.
                await Delay(100, stop);
            }
        }
    }

    private static async Task Delay(int milliseconds, CancellationToken stop)
    {
        try
        {
            await Task.Delay(milliseconds, stop);
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
    }

    /// <summary>Completes one task of the caller's inbox with an action its design allows.</summary>
    private async Task<bool> WorkInboxAsync(LoadAccount me, Random random, CancellationToken stop)
    {
        var (status, inbox) = await CallAsync(me, HttpMethod.Get, "/api/tasks?status=Open", null, stop);
        if (status != 200 || inbox.GetArrayLength() == 0)
        {
            return false;
        }

        var task = inbox[random.Next(Math.Min(3, inbox.GetArrayLength()))];
        var allowed = task.GetProperty("allowedActions").EnumerateArray().Select(a => a.GetString()!).ToArray();
        var action = Choose(allowed, random);
        object body = action switch
        {
            "reject" or "decline" or "return" => new { action, comment = "压力测试 load test: 理由 reason" },
            "reduce" => new { action, comment = "部分减免 partly reduced", data = new { amount = 5 } },
            _ => new { action, comment = "同意 ok" },
        };
        var taskId = task.GetProperty("id").GetString()!;
        var (done, _) = await CallAsync(me, HttpMethod.Post, $"/api/tasks/{taskId}/complete", body, stop);
        if (done == 200)
        {
            Acks.Enqueue(new Ack(AckKind.Completion, taskId, me.Id, action));
        }

        return true;
    }

    private static string Choose(string[] allowed, Random random)
    {
        var roll = random.NextDouble();
        string? Pick(string name) => allowed.Contains(name) ? name : null;
        return (Pick("accept") is { } accept && roll < 0.85 ? accept : null)
            ?? (Pick("approve") is { } approve && roll < 0.8 ? approve : null)
            ?? (Pick("resubmit") is { } resubmit ? resubmit : null)
            ?? (allowed.Contains("uphold") ? new[] { "uphold", "reduce", "waive" }[random.Next(3)] : null)
            ?? (Pick("return") is { } back && roll < 0.9 ? back : null)
            ?? Pick("reject") ?? Pick("decline") ?? allowed[random.Next(allowed.Length)];
    }

    private async Task<bool> TakeInitiativeAsync(LoadAccount me, Random random, CancellationToken stop)
    {
        var user = me.UserName;
        if (user.StartsWith("member", StringComparison.Ordinal))
        {
            // a/b file promotions (and keep a clean record for it); c/d take the violations and dispute them; all swap shifts.
            var promotes = user.EndsWith('a') || user.EndsWith('b');
            return random.NextDouble() < 0.5
                ? await FileSwapAsync(me, random, stop)
                : promotes ? await FilePromotionAsync(me, stop) : await FileDisputeAsync(me, random, stop);
        }

        if (user.StartsWith("leader", StringComparison.Ordinal))
        {
            if (random.NextDouble() < 0.3)
            {
                var group = user[^1];
                var target = accounts[$"member{group}{(random.Next(2) == 0 ? 'c' : 'd')}"];
                var body = new
                {
                    employeeId = target.Id,
                    ruleCode = Rules[random.Next(Rules.Length)],
                    occurredOn = today.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                    description = "迟到 late, 'quoted' <b>text</b>",
                    penaltyAmount = Penalties[random.Next(Penalties.Length)],
                };
                var (status, created) = await CallAsync(me, HttpMethod.Post, "/api/violations", body, stop);
                if (status == 201)
                {
                    Acks.Enqueue(new Ack(AckKind.Violation, created.GetProperty("id").GetString()!, me.Id, ""));
                }

                return true;
            }

            await CallAsync(me, HttpMethod.Get, $"/api/shifts?groupId={me.GroupId}", null, stop);
            return false;
        }

        if (user == "hr" && random.NextDouble() < 0.04)
        {
            var (status, seats) = await CallAsync(me, HttpMethod.Get, "/api/seats?rank=GroupLeader", null, stop);
            var held = status == 200 ? seats.EnumerateArray().Where(s => s.GetProperty("holderId").ValueKind == JsonValueKind.String).ToArray() : [];
            if (held.Length > 0)
            {
                var seatId = held[random.Next(held.Length)].GetProperty("id").GetString()!;
                var (vacated, _) = await CallAsync(me, HttpMethod.Post, $"/api/seats/{seatId}/vacate", null, stop);
                if (vacated == 200)
                {
                    Acks.Enqueue(new Ack(AckKind.Vacancy, seatId, me.Id, ""));
                }
            }

            return true;
        }

        // Readers: the history search of HR, the department's statements, the fund.
        var path = user switch
        {
            "hr" => "/api/instances?page=1&pageSize=20",
            "manager" => $"/api/statements?month={currentMonth}",
            _ => "/api/fund",
        };
        await CallAsync(me, HttpMethod.Get, path, null, stop);
        return false;
    }

    private async Task<bool> FilePromotionAsync(LoadAccount me, CancellationToken stop)
    {
        if (outstanding.TryGetValue("promotion:" + me.UserName, out var running))
        {
            var (status, instance) = await CallAsync(me, HttpMethod.Get, $"/api/instances/{running}", null, stop);
            if (status != 200 || instance.GetProperty("status").GetString() == "Running")
            {
                return false;
            }
        }

        var body = new { candidateId = me.Id, targetRank = "GroupLeader", channel = "Self", statement = "申请晋升组长 I apply to lead the group." };
        var (created, started) = await CallAsync(me, HttpMethod.Post, "/api/promotions", body, stop);
        if (created == 201)
        {
            var id = started.GetProperty("id").GetString()!;
            outstanding["promotion:" + me.UserName] = id;
            Acks.Enqueue(new Ack(AckKind.Instance, id, me.Id, "promotion"));
        }

        return true;
    }

    /// <summary>
    /// Files promotions and approves them (HR registers, the supervisor assesses) until they wait for a vacant seat,
    /// where their expiry timer runs: a crash right after leaves timers owed. Racing the load's own approvers may
    /// send one elsewhere (a return, a rejection); the answer is how many reached the wait.
    /// </summary>
    public async Task<int> PushPromotionsToSeatWaitAsync(int count, Random random)
    {
        var waiting = 0;
        var candidates = accounts.Keys.Where(k => k.StartsWith("member", StringComparison.Ordinal) && (k.EndsWith('a') || k.EndsWith('b')))
            .Order(StringComparer.Ordinal).ToArray();
        for (var i = 0; i < count; i++)
        {
            var me = accounts[candidates[random.Next(candidates.Length)]];
            var (created, started) = await CallAsync(me, HttpMethod.Post, "/api/promotions",
                new { candidateId = me.Id, targetRank = "GroupLeader", channel = "Self", statement = "等待空缺 waiting for a seat" }, CancellationToken.None);
            if (created != 201)
            {
                continue;
            }

            var id = started.GetProperty("id").GetString()!;
            Acks.Enqueue(new Ack(AckKind.Instance, id, me.Id, "promotion"));
            foreach (var approver in new[] { "hr", "supervisor" })
            {
                var who = accounts[approver];
                var (listed, inbox) = await CallAsync(who, HttpMethod.Get, "/api/tasks?status=Open&type=promotion", null, CancellationToken.None);
                var task = listed == 200 ? inbox.EnumerateArray().FirstOrDefault(t => t.GetProperty("instanceId").GetString() == id) : default;
                if (task.ValueKind != JsonValueKind.Object)
                {
                    break;
                }

                var taskId = task.GetProperty("id").GetString()!;
                var (done, _) = await CallAsync(who, HttpMethod.Post, $"/api/tasks/{taskId}/complete", new { action = "approve", comment = "同意 ok" }, CancellationToken.None);
                if (done != 200)
                {
                    break;
                }

                Acks.Enqueue(new Ack(AckKind.Completion, taskId, who.Id, "approve"));
            }

            var (read, instance) = await CallAsync(me, HttpMethod.Get, $"/api/instances/{id}", null, CancellationToken.None);
            if (read == 200 && instance.GetProperty("waitingFor").ValueKind == JsonValueKind.String)
            {
                waiting++;
            }
        }

        return waiting;
    }

    private async Task<bool> FileSwapAsync(LoadAccount me, Random random, CancellationToken stop)
    {
        var from = today.AddDays(1).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var (status, mine) = await CallAsync(me, HttpMethod.Get, $"/api/shifts?employeeId={me.Id}&from={from}", null, stop);
        if (status != 200 || mine.GetArrayLength() == 0 || me.GroupId is null)
        {
            return false;
        }

        var shift = mine[random.Next(mine.GetArrayLength())];
        var date = shift.GetProperty("date").GetString();
        var (listed, sameDay) = await CallAsync(me, HttpMethod.Get, $"/api/shifts?groupId={me.GroupId}&from={date}&to={date}", null, stop);
        if (listed != 200)
        {
            return false;
        }

        var shiftId = shift.GetProperty("id").GetString()!;
        var options = sameDay.EnumerateArray()
            .Where(s => s.GetProperty("id").GetString() != shiftId && !Assignees(s).Contains(me.Id))
            .SelectMany(s => Assignees(s).Where(p => !Assignees(shift).Contains(p)).Select(p => (Shift: s.GetProperty("id").GetString()!, Person: p)))
            .ToArray();
        if (options.Length == 0)
        {
            return false;
        }

        var (otherShift, counterpart) = options[random.Next(options.Length)];
        var body = new { shiftId, counterpartId = counterpart, counterpartShiftId = otherShift, reason = "家里有事 family matters" };
        var (created, started) = await CallAsync(me, HttpMethod.Post, "/api/shift-swaps", body, stop);
        if (created == 201)
        {
            Acks.Enqueue(new Ack(AckKind.Instance, started.GetProperty("id").GetString()!, me.Id, "shift-swap"));
        }

        return true;
    }

    private static string[] Assignees(JsonElement shift) => [.. shift.GetProperty("assigneeIds").EnumerateArray().Select(a => a.GetString()!)];

    private async Task<bool> FileDisputeAsync(LoadAccount me, Random random, CancellationToken stop)
    {
        var (status, violations) = await CallAsync(me, HttpMethod.Get, $"/api/employees/{me.Id}/violations", null, stop);
        if (status != 200)
        {
            return false;
        }

        var open = violations.EnumerateArray()
            .Where(v => v.GetProperty("status").GetString() == "Active" && v.GetProperty("disputeInstanceId").ValueKind != JsonValueKind.String)
            .ToArray();
        if (open.Length == 0)
        {
            return false;
        }

        var violationId = open[random.Next(open.Length)].GetProperty("id").GetString()!;
        var (created, started) = await CallAsync(me, HttpMethod.Post, "/api/disputes", new { violationId, reason = "我有证据 I have evidence" }, stop);
        if (created == 201)
        {
            Acks.Enqueue(new Ack(AckKind.Instance, started.GetProperty("id").GetString()!, me.Id, "penalty-dispute"));
        }

        return true;
    }

    /// <summary>One request to the next node, timed. No answer at all is a transport error (a killed node), not a status.</summary>
    private async Task<(int Status, JsonElement Body)> CallAsync(LoadAccount me, HttpMethod method, string path, object? body, CancellationToken stop)
    {
        stop.ThrowIfCancellationRequested();
        var node = nodes[(Interlocked.Increment(ref nextNode) & int.MaxValue) % nodes.Length];
        using var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", me.Token);
        if (body is not null)
        {
            request.Content = JsonContent.Create(body, options: Json);
        }

        Interlocked.Increment(ref requests);
        var clock = Stopwatch.StartNew();
        HttpResponseMessage response;
        string text;
        try
        {
            // Not cancelled by `stop`: a request that was sent is allowed to finish and be counted.
            response = await node.SendAsync(request, CancellationToken.None);
            text = await response.Content.ReadAsStringAsync(CancellationToken.None);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or IOException)
        {
            Interlocked.Increment(ref transportErrors);
            throw new LoadCallFailed();
        }

        using (response)
        {
            latencies.Enqueue(clock.Elapsed.TotalMilliseconds);
            var status = (int)response.StatusCode;
            statuses.AddOrUpdate(status, 1, (_, n) => n + 1);
            if (status >= 500 && serverErrors.Count < 20)
            {
                serverErrors.Enqueue($"{method} {path} → {status}: {text[..Math.Min(text.Length, 600)]}");
            }

            var parsed = text.Length > 0 && text[0] is '{' or '[' ? JsonDocument.Parse(text).RootElement.Clone() : default;
            return (status, parsed);
        }
    }

    /// <summary>A setup call that must succeed.</summary>
    private async Task<JsonElement> ReadAsync(string method, string path, string? token, object? body = null, HttpStatusCode expected = HttpStatusCode.OK)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        if (body is not null)
        {
            request.Content = JsonContent.Create(body, options: Json);
        }

        using var response = await nodes[0].SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        if (response.StatusCode != expected)
        {
            throw new InvalidOperationException($"{method} {path}: expected {(int)expected}, got {(int)response.StatusCode}: {text}");
        }

        return JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>Throughput and latency of what was answered.</summary>
    public LoadFigures Figures(TimeSpan elapsed)
    {
        var sorted = latencies.ToArray();
        Array.Sort(sorted);
        double Percentile(double p) => sorted.Length == 0 ? 0 : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];
        var answered = sorted.Length;
        return new LoadFigures(Requests, answered, TransportErrors, Count5xx, statuses.Where(s => s.Key is >= 400 and < 500).Sum(s => s.Value),
            Count(409), Acks.Count, answered / Math.Max(0.001, elapsed.TotalSeconds), Percentile(0.5), Percentile(0.95), Percentile(0.99), elapsed);
    }

    public void Dispose()
    {
        foreach (var node in nodes)
        {
            node.Dispose();
        }
    }

    private sealed class LoadCallFailed : Exception;
}

public sealed record LoadFigures(long Requests, long Answered, long TransportErrors, int ServerErrors, int ClientErrors, int Conflicts,
    int Successes, double PerSecond, double P50, double P95, double P99, TimeSpan Elapsed)
{
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{Requests} requests in {Elapsed.TotalSeconds:0.0} s ({PerSecond:0.0}/s answered), p50 {P50:0.0} ms, p95 {P95:0.0} ms, p99 {P99:0.0} ms; " +
        $"acknowledged actions {Successes}, 4xx {ClientErrors} (409 {Conflicts}), 5xx {ServerErrors}, no answer {TransportErrors}");
}
