using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Workflows.Host.Violations;
using Workflows.Tests.Infrastructure;

namespace Workflows.Tests.Web;

/// <summary>
/// The HR and leader pages through cookie sign-in and real forms: history search and its CSV export,
/// violation records and the recording form, seats, the org, statements and month close, the roster,
/// rewards; who may open which (403 on the URL asked for), antiforgery, and user text shown as text.
/// </summary>
public abstract class HrPagesTests(WorkflowsApp app)
{
    private const string Design = "test.three-approvals";

    private static readonly string[] HrOnlyPages = ["/History", "/History/Export", "/Seats", "/Jobs"];

    private async Task<string> NameOfAsync(string userName) =>
        await app.WithDbAsync(async db => (await db.Users.SingleAsync(u => u.UserName == userName)).Name);

    private async Task CompleteAsync(string userName, string instanceId, string action, string? comment = null)
    {
        var taskId = (await app.TaskInInboxAsync(userName, instanceId)).GetProperty("id").GetString();
        using var client = await app.LoginAsync(userName);
        (await client.PostAsync($"/api/tasks/{taskId}/complete", JsonContent.Create(new { action, comment }))).EnsureSuccessStatusCode();
    }

    [Fact]
    public async Task HistorySearch_FiltersBySubjectActorTypeStatusAndDate_NewestFirst()
    {
        var older = await app.StartAsync(Design, "member1a");
        app.Clock.Advance(TimeSpan.FromMinutes(1));
        var newer = await app.StartAsync(Design, "member1a");
        var other = await app.StartAsync(Design, "member2a");
        await CompleteAsync("leader1", older, "approve", "同意");
        using var hr = await WebSession.SignInAsync(app, "hr");

        var (status, bySubject) = await hr.GetAsync("/History?subject=member1a");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains("id=\"history-search\"", bySubject, StringComparison.Ordinal);
        Assert.Contains($"href=\"/Instances/{older}\"", bySubject, StringComparison.Ordinal);
        Assert.Contains($"href=\"/Instances/{newer}\"", bySubject, StringComparison.Ordinal);
        Assert.DoesNotContain(other, bySubject, StringComparison.Ordinal);
        Assert.True(bySubject.IndexOf(newer, StringComparison.Ordinal) < bySubject.IndexOf(older, StringComparison.Ordinal), "newest first");

        // By name as well as by user name: part of member2a's name finds their instance.
        var name = await NameOfAsync("member2a");
        var (nameStatus, byName) = await hr.GetAsync("/History?subject=" + Uri.EscapeDataString(name[1..]));
        Assert.True(nameStatus == HttpStatusCode.OK, byName);
        Assert.Contains(other, byName, StringComparison.Ordinal);

        // The actor is anyone in the history: only the instance leader1 decided.
        var (_, byActor) = await hr.GetAsync("/History?actor=leader1");
        Assert.Contains(older, byActor, StringComparison.Ordinal);
        Assert.DoesNotContain(newer, byActor, StringComparison.Ordinal);

        Assert.Contains(older, (await hr.GetAsync("/History?type=test&status=Running&subject=member1a")).Body, StringComparison.Ordinal);
        Assert.DoesNotContain(older, (await hr.GetAsync("/History?type=promotion&subject=member1a")).Body, StringComparison.Ordinal);
        Assert.DoesNotContain(older, (await hr.GetAsync("/History?status=Completed&subject=member1a")).Body, StringComparison.Ordinal);

        var today = app.Clock.GetUtcNow().ToOffset(TimeSpan.FromHours(8)).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var tomorrow = app.Clock.GetUtcNow().ToOffset(TimeSpan.FromHours(8)).AddDays(1).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        Assert.Contains(older, (await hr.GetAsync($"/History?subject=member1a&from={today}&to={today}")).Body, StringComparison.Ordinal);
        Assert.DoesNotContain(older, (await hr.GetAsync($"/History?subject=member1a&from={tomorrow}")).Body, StringComparison.Ordinal);

        // GET /api/instances shares the filters: actorId finds what leader1 acted on, dates work on both providers.
        using var hrApi = await app.LoginAsync("hr");
        var leader1 = await app.IdOfAsync("leader1");
        var member1a = await app.IdOfAsync("member1a");
        var listed = await ApiAssert.JsonAsync(await hrApi.GetAsync($"/api/instances?subjectId={member1a}&actorId={leader1}&from={today}&to={today}"));
        Assert.Equal([older], listed.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetString()));

        // A date that is not one is a message on the page, not an error page.
        var (bad, badPage) = await hr.GetAsync("/History?from=2026-02-30");
        Assert.Equal(HttpStatusCode.BadRequest, bad);
        Assert.Contains("2026-02-30", badPage, StringComparison.Ordinal);
        Assert.Contains("不是有效日期", badPage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HistoryExport_IsUtf8WithBom_OneRowPerHistoryEntry_QuotedAndFormulaSafe()
    {
        var id = await app.StartAsync(Design, "member1b");
        const string comment = "=HYPERLINK(\"http://evil.example\"), 第二行\r\n\"引号\"";
        await CompleteAsync("leader1", id, "approve", comment);
        using var hr = await WebSession.SignInAsync(app, "hr");
        var (_, page) = await hr.GetAsync("/History?subject=member1b&actor=leader1");
        Assert.Contains("id=\"history-export\" href=\"/History/Export?subject=member1b&amp;actor=leader1\"", page, StringComparison.Ordinal);

        using var response = await hr.GetResponseAsync("/History/Export?subject=member1b&actor=leader1");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/csv", response.Content.Headers.ContentType!.MediaType);
        Assert.Equal("attachment", response.Content.Headers.ContentDisposition?.DispositionType ?? ContentDispositionOf(response));
        var bytes = await response.Content.ReadAsByteArrayAsync();
        Assert.Equal(new byte[] { 0xEF, 0xBB, 0xBF }, bytes[..3]);
        var rows = ParseCsv(new UTF8Encoding(false).GetString(bytes, 3, bytes.Length - 3));

        var header = rows[0];
        Assert.Equal("审批编号", header[0]);
        var history = await app.HistoryAsync(id);
        using var api = await app.LoginAsync("hr");
        var reference = (await ApiAssert.JsonAsync(await api.GetAsync("/api/instances/" + id))).GetProperty("reference").GetString();
        var mine = rows.Skip(1).Where(r => r[0] == reference).ToList();
        Assert.Equal(history.Length, mine.Count);
        Assert.Equal(history.Select(h => h.GetProperty("seq").GetInt32().ToString(CultureInfo.InvariantCulture)), mine.Select(r => r[6]));
        Assert.All(rows, r => Assert.Equal(header.Count, r.Count));
        // Each column once, in words: no two columns named alike (the old export had 用户名 twice).
        Assert.Equal(header.Count, header.Distinct().Count());
        Assert.Equal(["审批编号", "类型", "状态", "结果", "申请人", "发起时间", "#", "时间", "事项", "经办人", "角色", "动作", "意见", "内容"], header);

        var decision = mine.Single(r => r[12].Length > 0);
        Assert.Equal("'" + comment, decision[12]);
        Assert.Equal(await NameOfAsync("leader1"), decision[9]);
        Assert.Equal("组长", decision[10]);
        Assert.Equal("同意", decision[11]);
        Assert.StartsWith("组长审批", decision[8], StringComparison.Ordinal);
        Assert.Equal(await NameOfAsync("member1b"), decision[4]);
        // The data of every entry is text, never JSON or escaped Unicode; no GUID stands for a person.
        Assert.All(mine, r => Assert.DoesNotContain("{", r[13], StringComparison.Ordinal));
        Assert.All(mine, r => Assert.DoesNotContain("\\u", r[13], StringComparison.Ordinal));
        var memberId = await app.IdOfAsync("member1b");
        Assert.All(mine, r => Assert.DoesNotContain(memberId, string.Join(",", r.Skip(1)), StringComparison.Ordinal));
        // Only the matched instance: member1b's instances that leader1 acted on.
        var memberName = await NameOfAsync("member1b");
        Assert.All(rows.Skip(1), r => Assert.Equal(memberName, r[4]));
    }

    [Fact]
    public async Task MembersAndLeaders_Get403_OnHrPages_AndCannotPostToThem()
    {
        var seatsBefore = await app.WithDbAsync(db => db.Seats.AsNoTracking().Select(s => new { s.Id, s.HolderId }).ToListAsync());
        foreach (var user in new[] { "member1a", "leader1" })
        {
            using var session = await WebSession.SignInAsync(app, user);
            foreach (var url in HrOnlyPages)
            {
                var (status, body) = await session.GetAsync(url);
                Assert.Equal(HttpStatusCode.Forbidden, status);
                Assert.Contains("id=\"denied\"", body, StringComparison.Ordinal);
                Assert.DoesNotContain("id=\"history-results\"", body, StringComparison.Ordinal);
                Assert.DoesNotContain("id=\"seats\"", body, StringComparison.Ordinal);
            }

            // A hand-made post with a valid token is refused the same way and changes nothing.
            var (_, home) = await session.GetAsync("/");
            var held = seatsBefore.First(s => s.HolderId is not null);
            using var vacate = await session.PostFormAsync("/Seats?handler=Vacate", home, new() { ["seatId"] = held.Id });
            Assert.Equal(HttpStatusCode.Forbidden, vacate.StatusCode);
            Assert.DoesNotContain("/History", home, StringComparison.Ordinal);
        }

        using (var member = await WebSession.SignInAsync(app, "member1a"))
        {
            Assert.Equal(HttpStatusCode.Forbidden, (await member.GetAsync("/Org")).Status);
            Assert.Equal(HttpStatusCode.Forbidden, (await member.GetAsync("/Rewards")).Status);
            Assert.Equal(HttpStatusCode.Forbidden, (await member.GetAsync("/Violations/Record")).Status);
        }

        var seatsAfter = await app.WithDbAsync(db => db.Seats.AsNoTracking().Select(s => new { s.Id, s.HolderId }).ToListAsync());
        Assert.Equal(seatsBefore.OrderBy(s => s.Id).Select(s => (s.Id, s.HolderId)), seatsAfter.OrderBy(s => s.Id).Select(s => (s.Id, s.HolderId)));

        using var hr = await WebSession.SignInAsync(app, "hr");
        var (_, hrHome) = await hr.GetAsync("/");
        Assert.Contains("href=\"/History\"", hrHome, StringComparison.Ordinal);
        Assert.Contains("href=\"/Seats\"", hrHome, StringComparison.Ordinal);
        // HR's scheduled work in words; Hangfire's own dashboard is for operators and not linked from the pages.
        Assert.Contains("href=\"/Jobs\"", hrHome, StringComparison.Ordinal);
        Assert.DoesNotContain("href=\"/hangfire\"", hrHome, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Leader_RecordsViolationThroughTheForm_ItAppears_AndTheNoteRendersAsText()
    {
        var member = await app.IdOfAsync("member1c");
        var otherGroup = await app.IdOfAsync("member2c");
        using var leader = await WebSession.SignInAsync(app, "leader1");
        var (status, form) = await leader.GetAsync("/Violations/Record");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains($"<option value=\"{member}\"", form, StringComparison.Ordinal);
        Assert.DoesNotContain($"<option value=\"{otherGroup}\"", form, StringComparison.Ordinal);
        Assert.Contains("<option value=\"R18\"", form, StringComparison.Ordinal);

        const string note = "<script>alert('x')</script> 上班时间长时间私人电话";
        var (after, detail) = await leader.SubmitAsync("/Violations/Record", form, new()
        {
            ["EmployeeId"] = member, ["RuleCode"] = "R02", ["OccurredOn"] = "2026-03-01", ["Description"] = note, ["PenaltyAmount"] = "",
        });
        Assert.Equal(HttpStatusCode.OK, after);
        Assert.Contains("违纪已记录。", detail, StringComparison.Ordinal);
        Assert.DoesNotContain("<script>alert", detail, StringComparison.Ordinal);
        Assert.Contains("&lt;script&gt;", detail, StringComparison.Ordinal);

        var recorded = await app.WithDbAsync(db => db.Set<Violation>().AsNoTracking().SingleAsync(v => v.EmployeeId == member && v.RuleCode == "R02"));
        Assert.Equal((new DateOnly(2026, 3, 1), note, await app.IdOfAsync("leader1")), (recorded.OccurredOn, recorded.Description, recorded.RecordedBy));
        Assert.Contains("id=\"change-log\"", detail, StringComparison.Ordinal);

        var (_, list) = await leader.GetAsync($"/Violations?employee={member}&rule=R02");
        Assert.Contains($"data-violation=\"{recorded.Id}\"", list, StringComparison.Ordinal);
        Assert.DoesNotContain("<script>alert", list, StringComparison.Ordinal);
        Assert.DoesNotContain(recorded.Id, (await leader.GetAsync($"/Violations?employee={member}&status=Waived")).Body, StringComparison.Ordinal);

        // HR sees it too, with the same filters; another group's leader does not.
        using var hr = await WebSession.SignInAsync(app, "hr");
        Assert.Contains(recorded.Id, (await hr.GetAsync("/Violations?rule=R02&status=Active")).Body, StringComparison.Ordinal);
        using var leader2 = await WebSession.SignInAsync(app, "leader2");
        Assert.DoesNotContain(recorded.Id, (await leader2.GetAsync("/Violations")).Body, StringComparison.Ordinal);
        var (foreignStatus, foreign) = await leader2.GetAsync($"/Violations/{recorded.Id}");
        Assert.True(foreignStatus == HttpStatusCode.Forbidden, foreignStatus + foreign);
        Assert.Contains("id=\"denied\"", foreign, StringComparison.Ordinal);
        Assert.DoesNotContain("<script>alert", foreign, StringComparison.Ordinal);
        Assert.DoesNotContain("上班时间长时间私人电话", foreign, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Leader_CannotRecordForAnotherGroup_NorInTheFuture_NothingIsWritten()
    {
        var otherGroup = await app.IdOfAsync("member2d");
        var member = await app.IdOfAsync("member1d");
        using var leader = await WebSession.SignInAsync(app, "leader1");
        var (_, form) = await leader.GetAsync("/Violations/Record");

        var (status, page) = await leader.SubmitAsync("/Violations/Record", form, new()
        {
            ["EmployeeId"] = otherGroup, ["RuleCode"] = "R05", ["OccurredOn"] = "2026-03-01", ["Description"] = "not my group",
        });
        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Contains("id=\"refusal\"", page, StringComparison.Ordinal);

        var (future, futurePage) = await leader.SubmitAsync("/Violations/Record", form, new()
        {
            ["EmployeeId"] = member, ["RuleCode"] = "R05", ["OccurredOn"] = "2026-04-01", ["Description"] = "future",
        });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, future);
        Assert.Contains("发生日期不能晚于今天", futurePage, StringComparison.Ordinal);

        var (badDate, _) = await leader.SubmitAsync("/Violations/Record", form, new()
        {
            ["EmployeeId"] = member, ["RuleCode"] = "R05", ["OccurredOn"] = "yesterday", ["Description"] = "bad date",
        });
        Assert.Equal(HttpStatusCode.BadRequest, badDate);

        Assert.False(await app.WithDbAsync(db => db.Set<Violation>().AnyAsync(v => (v.EmployeeId == otherGroup || v.EmployeeId == member) && v.RuleCode == "R05")));
    }

    [Fact]
    public async Task Forms_RequireTheAntiforgeryToken()
    {
        var member = await app.IdOfAsync("member1a");
        using var leader = await WebSession.SignInAsync(app, "leader1");
        const string forged = "<input name=\"__RequestVerificationToken\" type=\"hidden\" value=\"forged\" />";
        using var response = await leader.PostFormAsync("/Violations/Record", forged, new()
        {
            ["EmployeeId"] = member, ["RuleCode"] = "R09", ["OccurredOn"] = "2026-03-01", ["Description"] = "forged",
        });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.False(await app.WithDbAsync(db => db.Set<Violation>().AnyAsync(v => v.RuleCode == "R09" && v.Description == "forged")));

        using var hr = await WebSession.SignInAsync(app, "hr");
        using var close = await hr.PostFormAsync("/Statements?handler=Close", forged, new() { ["month"] = "2026-01" });
        Assert.Equal(HttpStatusCode.BadRequest, close.StatusCode);
    }

    [Fact]
    public async Task Hr_OpensAndVacatesSeats_SeesTheOrg_AndClosesAMonth()
    {
        using var hr = await WebSession.SignInAsync(app, "hr");
        var (status, seatsPage) = await hr.GetAsync("/Seats");
        Assert.Equal(HttpStatusCode.OK, status);
        var supervisorSeats = await app.WithDbAsync(db => db.Seats.CountAsync(s => s.Rank == Workflows.Definitions.Rank.Supervisor));

        var (opened, afterOpen) = await hr.SubmitAsync("/Seats?handler=Open", seatsPage, new() { ["rank"] = "Supervisor", ["groupId"] = "" });
        Assert.Equal(HttpStatusCode.OK, opened);
        Assert.Contains("已新增空缺职位。", afterOpen, StringComparison.Ordinal);
        Assert.Equal(supervisorSeats + 1, await app.WithDbAsync(db => db.Seats.CountAsync(s => s.Rank == Workflows.Definitions.Rank.Supervisor)));

        // A second manager seat breaks the API's rule: the refusal is on the page.
        var (refused, refusal) = await hr.SubmitAsync("/Seats?handler=Open", afterOpen, new() { ["rank"] = "Manager", ["groupId"] = "" });
        Assert.Equal(HttpStatusCode.Conflict, refused);
        // In the form that was sent, with its choice kept.
        Assert.Contains("data-refusal=\"open\"", refusal, StringComparison.Ordinal);
        Assert.Contains("<option value=\"Manager\" selected=\"selected\">", refusal, StringComparison.Ordinal);

        // Org: groups, leaders, members with ranks.
        var (_, org) = await hr.GetAsync("/Org");
        Assert.Contains("一组", org, StringComparison.Ordinal);
        Assert.Contains(await NameOfAsync("leader2"), org, StringComparison.Ordinal);
        Assert.Contains(await NameOfAsync("member3d"), org, StringComparison.Ordinal);

        // Month close: February has ended on the fake clock (2026-03-02); March has not.
        var (_, statements) = await hr.GetAsync("/Statements");
        Assert.Contains("id=\"month-close\"", statements, StringComparison.Ordinal);
        var (notEnded, notEndedPage) = await hr.SubmitAsync("/Statements?handler=Close", statements, new() { ["month"] = "2026-03" });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, notEnded);
        Assert.Contains("该月尚未结束", notEndedPage, StringComparison.Ordinal);
        // Closing asks first (without JavaScript too); until confirmed the month stays open.
        var (asked, question) = await hr.SubmitAsync("/Statements?handler=Close", statements, new() { ["month"] = "2026-02" });
        Assert.Equal(HttpStatusCode.OK, asked);
        Assert.Contains("确定结账？", question, StringComparison.Ordinal);
        Assert.Contains("结账月份：2026-02", question, StringComparison.Ordinal);
        Assert.DoesNotContain("最近结账月份：2026-02", (await hr.GetAsync("/Statements")).Body, StringComparison.Ordinal);
        var (closed, closedPage) = await hr.ConfirmAsync(question);
        Assert.Equal(HttpStatusCode.OK, closed);
        Assert.Contains("2026-02 ", closedPage, StringComparison.Ordinal);
        Assert.Contains("最近结账月份：2026-02", closedPage, StringComparison.Ordinal);

        // A leader sees statements of the group, but no month close; a member only their own.
        using var leader = await WebSession.SignInAsync(app, "leader1");
        var (_, leaderStatements) = await leader.GetAsync("/Statements");
        Assert.DoesNotContain("id=\"month-close\"", leaderStatements, StringComparison.Ordinal);
        var (leaderClose, _) = await leader.SubmitAsync("/Statements?handler=Close", leaderStatements, new() { ["month"] = "2026-02" });
        Assert.Equal(HttpStatusCode.Forbidden, leaderClose);
        using var member = await WebSession.SignInAsync(app, "member1a");
        var (foreign, _) = await member.GetAsync($"/Statements?employee={await app.IdOfAsync("member1b")}&month=2026-03");
        Assert.Equal(HttpStatusCode.Forbidden, foreign);
    }

    [Fact]
    public async Task Leader_SeesTheGroupRoster_WithWhoIsOnAndCoverageAgainstTheMinimum()
    {
        using var hrApi = await app.LoginAsync("hr");
        var groups = await ApiAssert.JsonAsync(await hrApi.GetAsync("/api/groups"));
        var group1 = groups.EnumerateArray().Single(g => g.GetProperty("name").GetString() == "一组").GetProperty("id").GetString();
        using var leaderApi = await app.LoginAsync("leader1");
        var shift = await ApiAssert.JsonAsync(await leaderApi.PostAsync("/api/shifts",
            JsonContent.Create(new { groupId = group1, date = "2026-03-04", start = "09:00", end = "17:00", minStaff = 2 })), HttpStatusCode.Created);
        var shiftId = shift.GetProperty("id").GetString();
        (await leaderApi.PostAsync($"/api/shifts/{shiftId}/assignments", JsonContent.Create(new { employeeId = await app.IdOfAsync("member1a") }))).EnsureSuccessStatusCode();

        using var leader = await WebSession.SignInAsync(app, "leader1");
        var (status, roster) = await leader.GetAsync("/Roster");
        Assert.Equal(HttpStatusCode.OK, status);
        var row = roster[roster.IndexOf($"data-shift=\"{shiftId}\"", StringComparison.Ordinal)..];
        row = row[..row.IndexOf("</tr>", StringComparison.Ordinal)];
        Assert.Contains($"data-shift=\"{shiftId}\" class=\"understaffed\"", roster, StringComparison.Ordinal);
        Assert.Contains(await NameOfAsync("member1a"), row, StringComparison.Ordinal);
        Assert.Contains("1 人 / 最少 2 人", row, StringComparison.Ordinal);
        Assert.Contains("09:00–17:00", row, StringComparison.Ordinal);
        Assert.Contains("href=\"/Roster\"", roster, StringComparison.Ordinal);

        // The leader adds a shift and puts someone on it through the page's forms.
        var (added, afterAdd) = await leader.SubmitAsync($"/Roster?handler=Shift&group={group1}", roster,
            new() { ["date"] = "2026-03-05", ["start"] = "22:00", ["end"] = "06:00", ["minStaff"] = "1" });
        Assert.Equal(HttpStatusCode.OK, added);
        Assert.Contains("班次已添加。", afterAdd, StringComparison.Ordinal);
        var night = await app.WithDbAsync(db => db.Set<Workflows.Host.Roster.Shift>().AsNoTracking()
            .SingleAsync(s => s.GroupId == group1 && s.Date == new DateOnly(2026, 3, 5) && s.Start == new TimeOnly(22, 0)));
        var member1b = await app.IdOfAsync("member1b");
        var (assigned, afterAssign) = await leader.SubmitAsync($"/Roster?handler=Assign&group={group1}", afterAdd,
            new() { ["shiftId"] = night.Id, ["employeeId"] = member1b });
        Assert.Equal(HttpStatusCode.OK, assigned);
        Assert.Contains("22:00–06:00", afterAssign, StringComparison.Ordinal);
        Assert.Contains(await NameOfAsync("member1b"), afterAssign, StringComparison.Ordinal);

        // Another group's leader sees the roster but may not change it: 403 from the API's rule, nothing written.
        using var leader2 = await WebSession.SignInAsync(app, "leader2");
        var (_, foreignRoster) = await leader2.GetAsync($"/Roster?group={group1}");
        Assert.DoesNotContain("id=\"add-shift\"", foreignRoster, StringComparison.Ordinal);
        var (refused, refusal) = await leader2.SubmitAsync($"/Roster?handler=Assign&group={group1}", foreignRoster,
            new() { ["shiftId"] = night.Id, ["employeeId"] = await app.IdOfAsync("member2b") });
        Assert.Equal(HttpStatusCode.Forbidden, refused);
        Assert.Contains("id=\"refusal\"", refusal, StringComparison.Ordinal);
        Assert.Equal(1, await app.WithDbAsync(db => db.Set<Workflows.Host.Roster.Shift>().Where(s => s.Id == night.Id).SelectMany(s => s.Assignments).CountAsync()));
    }

    [Fact]
    public async Task Supervisor_RecordsAReward_LeaderMayNot()
    {
        var member = await app.IdOfAsync("member3a");
        using var leader = await WebSession.SignInAsync(app, "leader3");
        Assert.Equal(HttpStatusCode.Forbidden, (await leader.GetAsync("/Rewards")).Status);

        using var supervisor = await WebSession.SignInAsync(app, "supervisor");
        var (status, form) = await supervisor.GetAsync("/Rewards");
        Assert.Equal(HttpStatusCode.OK, status);
        var (done, page) = await supervisor.SubmitAsync("/Rewards", form, new()
        {
            ["EmployeeId"] = member, ["Amount"] = "88.50", ["Reason"] = "客户表扬 <b>优秀</b>", ["AwardedOn"] = "2026-03-02",
        });
        Assert.Equal(HttpStatusCode.OK, done);
        Assert.Contains("奖励已记录。", page, StringComparison.Ordinal);
        Assert.Contains("客户表扬 &lt;b&gt;优秀&lt;/b&gt;", page, StringComparison.Ordinal);

        var (zero, zeroPage) = await supervisor.SubmitAsync("/Rewards", page, new() { ["EmployeeId"] = member, ["Amount"] = "0", ["Reason"] = "x" });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, zero);
        Assert.Contains("id=\"refusal\"", zeroPage, StringComparison.Ordinal);
    }

    private static string ContentDispositionOf(HttpResponseMessage response) =>
        response.Content.Headers.TryGetValues("Content-Disposition", out var values) ? values.First().Split(';')[0] : "";

    /// <summary>An RFC 4180 reader, enough to check what a spreadsheet would see.</summary>
    private static List<List<string>> ParseCsv(string text)
    {
        var rows = new List<List<string>>();
        var row = new List<string>();
        var cell = new StringBuilder();
        var quoted = false;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < text.Length && text[i + 1] == '"')
                {
                    cell.Append('"');
                    i++;
                }
                else if (c == '"')
                {
                    quoted = false;
                }
                else
                {
                    cell.Append(c);
                }
            }
            else if (c == '"')
            {
                quoted = true;
            }
            else if (c == ',')
            {
                row.Add(cell.ToString());
                cell.Clear();
            }
            else if (c == '\r' && i + 1 < text.Length && text[i + 1] == '\n')
            {
                row.Add(cell.ToString());
                cell.Clear();
                rows.Add(row);
                row = [];
                i++;
            }
            else
            {
                cell.Append(c);
            }
        }

        Assert.Empty(cell.ToString());
        Assert.Empty(row);
        return rows;
    }
}

public sealed class HrPagesTests_Sqlite(SqliteApp app) : HrPagesTests(app), IClassFixture<SqliteApp>;

public sealed class HrPagesTests_Postgres : HrPagesTests, IClassFixture<PostgresApp>
{
    public HrPagesTests_Postgres(PostgresApp app) : base(app) => PostgresLane.EnsureAvailable();
}
