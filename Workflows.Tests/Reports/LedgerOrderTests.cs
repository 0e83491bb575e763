using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Workflows.Definitions;
using Workflows.Host.Organization;
using Workflows.Tests.Infrastructure;
using static Workflows.Tests.Disputes.DisputeCalls;

namespace Workflows.Tests.Reports;

/// <summary>
/// The monthly ledger lists every employee on the ladder exactly once, with or without lines, by group (no group last),
/// name and id, each compared ordinally — not by culture: "B" before "a", "组A" before "组b", two people of the same name
/// by id. Known answers for a closed month and the open one, over the demo department and sixty more people, most of them
/// without a line.
/// </summary>
public abstract class LedgerOrderTests(WorkflowsApp app)
{
    private static readonly string?[] GroupNames = ["组b", "组A", "Zeta", "zeta", null];
    private static readonly string[] Names = ["a", "B", "王五", "王五", "Émile", "z", "李四", "b"];

    private sealed record Row(string Id, string Name, string? Group, decimal Penalties, decimal Rewards, decimal Adjustments, decimal Total);

    [Fact]
    public async Task Ledger_ListsEveryoneOnTheLadderOnce_InOrdinalOrder_WithTheirAmounts()
    {
        var added = await AddPeopleAsync(60);
        using var hr = await app.LoginAsync("hr");
        using var supervisor = await app.LoginAsync("supervisor");
        var amounts = new Dictionary<(string Month, string Id), (decimal Penalties, decimal Rewards)>();

        void Expect(string month, string id, decimal penalties = 0m, decimal rewards = 0m)
        {
            var (p, r) = amounts.GetValueOrDefault((month, id));
            amounts[(month, id)] = (p + penalties, r + rewards);
        }

        // February, closed below: one or two penalties for every seventh of the new people.
        for (var i = 0; i < added.Count; i += 7)
        {
            await RecordAsync(hr, added[i], "2026-02-10", 10m + i);
            Expect("2026-02", added[i], penalties: 10m + i);
            if (i % 2 == 0)
            {
                await RecordAsync(hr, added[i], "2026-02-20", 5m, "R03");
                Expect("2026-02", added[i], penalties: 5m);
            }
        }

        await ApiAssert.JsonAsync(await hr.PostAsync("/api/months/2026-02/close", null));

        // March, open: penalties for others, a reward, and a February penalty recorded after the close (March carries it).
        for (var i = 3; i < added.Count; i += 11)
        {
            await RecordAsync(hr, added[i], "2026-03-01", 30m);
            Expect("2026-03", added[i], penalties: 30m);
        }

        await ApiAssert.JsonAsync(await supervisor.PostAsJsonAsync("/api/rewards",
            new { employeeId = added[5], amount = 25m, reason = "表现突出", awardedOn = "2026-03-02" }), HttpStatusCode.Created);
        Expect("2026-03", added[5], rewards: 25m);
        await RecordAsync(hr, added[0], "2026-02-27", 7m);
        Expect("2026-03", added[0], penalties: 7m);

        var ladder = await app.WithDbAsync(db =>
        {
            var groups = db.Groups.ToDictionary(g => g.Id, g => g.Name);
            return Task.FromResult(db.Users.Where(u => u.Rank != null).AsEnumerable()
                .Select(u => (u.Id, u.Name, Group: u.GroupId is null ? null : groups[u.GroupId])).ToList());
        });
        Assert.True(ladder.Count > 60, "the demo department and the people added");

        foreach (var (month, status) in new[] { ("2026-02", "Closed"), ("2026-03", "Open") })
        {
            var expected = ladder
                .Select(p =>
                {
                    var (penalties, rewards) = amounts.GetValueOrDefault((month, p.Id));
                    return new Row(p.Id, p.Name, p.Group, penalties, rewards, 0m, penalties - rewards);
                })
                .OrderBy(r => r.Group is null).ThenBy(r => r.Group, StringComparer.Ordinal).ThenBy(r => r.Name, StringComparer.Ordinal)
                .ThenBy(r => r.Id, StringComparer.Ordinal)
                .ToList();

            var report = await ApiAssert.JsonAsync(await hr.GetAsync($"/api/reports/ledger?month={month}"));
            Assert.Equal(status, report.GetProperty("status").GetString());
            var actual = report.GetProperty("employees").EnumerateArray().Select(e => new Row(
                e.GetProperty("employeeId").GetString()!, e.GetProperty("name").GetString()!,
                e.GetProperty("groupName").ValueKind == JsonValueKind.Null ? null : e.GetProperty("groupName").GetString(),
                e.GetProperty("penalties").GetDecimal(), e.GetProperty("rewards").GetDecimal(), e.GetProperty("adjustments").GetDecimal(),
                e.GetProperty("total").GetDecimal())).ToList();
            Assert.Equal(expected, actual);

            var fund = report.GetProperty("fund");
            Assert.Equal(amounts.Where(a => a.Key.Month == month).Sum(a => a.Value.Penalties), fund.GetProperty("penalties").GetDecimal());
            Assert.Equal(amounts.Where(a => a.Key.Month == month).Sum(a => a.Value.Rewards), fund.GetProperty("rewards").GetDecimal());
        }
    }

    /// <summary>Members in new groups (and some in none), named so that ordinal and culture order disagree.</summary>
    private async Task<List<string>> AddPeopleAsync(int count)
    {
        return await app.WithDbAsync(async db =>
        {
            var groups = GroupNames.Select(name => name is null ? null : new Group { Name = name }).ToList();
            db.Groups.AddRange(groups.OfType<Group>());
            var ids = new List<string>();
            for (var i = 0; i < count; i++)
            {
                var userName = $"ledger-order-{i:D2}";
                var employee = new Employee
                {
                    UserName = userName,
                    NormalizedUserName = userName.ToUpperInvariant(),
                    Name = Names[i % Names.Length],
                    Rank = Rank.Member,
                    GroupId = groups[i % groups.Count]?.Id,
                };
                db.Users.Add(employee);
                ids.Add(employee.Id);
            }

            await db.SaveChangesAsync();
            return ids;
        });
    }
}

public sealed class LedgerOrderTests_Sqlite(SqliteApp app) : LedgerOrderTests(app), IClassFixture<SqliteApp>;

public sealed class LedgerOrderTests_Postgres : LedgerOrderTests, IClassFixture<PostgresApp>
{
    public LedgerOrderTests_Postgres(PostgresApp app) : base(app) => PostgresLane.EnsureAvailable();
}
