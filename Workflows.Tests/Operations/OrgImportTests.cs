using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Workflows.Host.Platform;
using Workflows.Tests.Infrastructure;
using Workflows.Tests.Web;

namespace Workflows.Tests.Operations;

/// <summary>
/// <c>POST /api/org/import</c>, the <c>import-org</c> verb and the HR page: CSV as Excel saves it and .xlsx, all or
/// nothing with every bad line named, dry run, idempotent, groups and seats, temporary passwords changed at the first
/// sign-in (API and web).
/// </summary>
public abstract class OrgImportTests(OperationsApp app)
{
    private const string Header = "userName,name,rank,group,roles,email";

    private static string Unique() => Guid.NewGuid().ToString("N")[..6];

    private static HttpContent Csv(string text, bool bom = true)
    {
        var bytes = (bom ? Encoding.UTF8.GetPreamble() : []).Concat(Encoding.UTF8.GetBytes(text)).ToArray();
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
        return content;
    }

    private async Task<JsonElement> ImportAsync(HttpContent body, bool dryRun = false)
    {
        using var hr = await app.LoginAsync("hr");
        return await ApiAssert.JsonAsync(await hr.PostAsync($"/api/org/import?dryRun={(dryRun ? "true" : "false")}", body));
    }

    private Task<(int Users, int Groups, int Seats, int UserRoles)> CountsAsync() => app.RowCountsAsync();

    private static string[] Errors(JsonElement result) =>
        [.. result.GetProperty("errors").EnumerateArray().Select(e => $"{e.GetProperty("line").GetInt32()}:{e.GetProperty("field").GetString()}")];

    private static string PasswordOf(JsonElement result, string userName) =>
        result.GetProperty("temporaryPasswords").EnumerateArray().Single(p => p.GetProperty("userName").GetString() == userName).GetProperty("password").GetString()!;

    [Fact]
    public async Task Import_CreatesGroupsSeatsAndAccounts_AndTheSameFileAgainChangesNothing()
    {
        var u = Unique();
        var group = $"四组{u}";
        // As Excel saves "CSV UTF-8": BOM, CRLF, quotes where a value holds a comma.
        var file = $"{Header}\r\nlead{u},\"周, 新\",组长,{group},,lead{u}@example.com\r\nm{u}a,新人甲,Member,{group},,\r\nm{u}b,新人乙,Member,{group},,\r\nhr{u},人事二,,,HR|SeniorLeadership,\r\n";
        var before = await CountsAsync();

        var result = await ImportAsync(Csv(file));
        Assert.Empty(Errors(result));
        Assert.Equal(4, result.GetProperty("created").GetInt32());
        Assert.Equal(0, result.GetProperty("updated").GetInt32());
        Assert.Equal([group], result.GetProperty("groupsCreated").EnumerateArray().Select(g => g.GetString()));
        Assert.Equal(4, result.GetProperty("temporaryPasswords").GetArrayLength());
        var after = await CountsAsync();
        Assert.Equal(before.Users + 4, after.Users);
        Assert.Equal(before.Groups + 1, after.Groups);
        Assert.Equal(before.Seats + 1, after.Seats);

        // The leader holds the new group's leader seat; the members are in the group; roles as written.
        using var hr = await app.LoginAsync("hr");
        var groups = await ApiAssert.JsonAsync(await hr.GetAsync("/api/groups"));
        var created = groups.EnumerateArray().Single(g => g.GetProperty("name").GetString() == group);
        var employees = (await ApiAssert.JsonAsync(await hr.GetAsync("/api/employees"))).EnumerateArray().ToList();
        var leader = employees.Single(e => e.GetProperty("userName").GetString() == $"lead{u}");
        Assert.Equal("周, 新", leader.GetProperty("name").GetString());
        Assert.Equal("GroupLeader", leader.GetProperty("rank").GetString());
        Assert.Equal(leader.GetProperty("id").GetString(), created.GetProperty("leaderId").GetString());
        Assert.Equal(created.GetProperty("id").GetString(), employees.Single(e => e.GetProperty("userName").GetString() == $"m{u}a").GetProperty("groupId").GetString());
        Assert.Equal(["HR", "SeniorLeadership"], employees.Single(e => e.GetProperty("userName").GetString() == $"hr{u}").GetProperty("roles").EnumerateArray().Select(r => r.GetString()).Order());

        // The same file again (here without the BOM): nothing changes.
        var again = await ImportAsync(Csv(file, bom: false));
        Assert.Equal((0, 0, 4), (again.GetProperty("created").GetInt32(), again.GetProperty("updated").GetInt32(), again.GetProperty("unchanged").GetInt32()));
        Assert.Equal(0, again.GetProperty("temporaryPasswords").GetArrayLength());
        Assert.Equal(after, await CountsAsync());

        // A changed name is an update of that line only.
        var renamed = await ImportAsync(Csv(file.Replace("新人甲", "新人丙", StringComparison.Ordinal)));
        Assert.Equal((0, 1, 3), (renamed.GetProperty("created").GetInt32(), renamed.GetProperty("updated").GetInt32(), renamed.GetProperty("unchanged").GetInt32()));
    }

    [Fact]
    public async Task TemporaryPassword_MustBeChangedAtTheFirstApiSignIn()
    {
        var u = Unique();
        var result = await ImportAsync(Csv($"{Header}\nt{u},临时,Member,一组,,\n"));
        var temporary = PasswordOf(result, $"t{u}");
        using var anonymous = app.CreateClient();

        var refused = await ApiAssert.ProblemAsync(await anonymous.PostAsJsonAsync("/api/auth/login", new { userName = $"t{u}", password = temporary }), HttpStatusCode.Forbidden);
        Assert.Equal("passwordChangeRequired", refused.GetProperty("code").GetString());
        Assert.Contains("newPassword", refused.GetProperty("detail").GetString(), StringComparison.Ordinal);
        // A wrong password is still just a wrong password; a weak new one is refused and changes nothing.
        await ApiAssert.ProblemAsync(await anonymous.PostAsJsonAsync("/api/auth/login", new { userName = $"t{u}", password = "Wrong@2026x", newPassword = "Mine@2026x" }), HttpStatusCode.Unauthorized);
        await ApiAssert.ProblemAsync(await anonymous.PostAsJsonAsync("/api/auth/login", new { userName = $"t{u}", password = temporary, newPassword = "weak" }), HttpStatusCode.BadRequest);

        var signedIn = await ApiAssert.JsonAsync(await anonymous.PostAsJsonAsync("/api/auth/login", new { userName = $"t{u}", password = temporary, newPassword = "Mine@2026x" }));
        Assert.False(string.IsNullOrEmpty(signedIn.GetProperty("accessToken").GetString()));
        // From now on the own password signs in as usual; the temporary one no longer does.
        await ApiAssert.JsonAsync(await anonymous.PostAsJsonAsync("/api/auth/login", new { userName = $"t{u}", password = "Mine@2026x" }));
        await ApiAssert.ProblemAsync(await anonymous.PostAsJsonAsync("/api/auth/login", new { userName = $"t{u}", password = temporary }), HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task TemporaryPassword_WebSignInLeadsToTheChangePasswordPage()
    {
        var u = Unique();
        var temporary = PasswordOf(await ImportAsync(Csv($"{Header}\nw{u},网页,Member,一组,,\n")), $"w{u}");
        using var client = app.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });
        var loginPage = await client.GetStringAsync("/Account/Login");
        using var login = await client.PostAsync("/Account/Login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["UserName"] = $"w{u}", ["Password"] = temporary, ["__RequestVerificationToken"] = WebSession.AntiforgeryToken(loginPage),
        }));
        Assert.Equal(HttpStatusCode.Redirect, login.StatusCode);
        var location = login.Headers.Location!.OriginalString;
        Assert.StartsWith("/Account/ChangePassword", location, StringComparison.Ordinal);
        // No session was issued: the inbox still sends to the sign-in page.
        using (var inbox = await client.GetAsync("/Inbox"))
        {
            Assert.Equal(HttpStatusCode.Redirect, inbox.StatusCode);
            Assert.Contains("/Account/Login", inbox.Headers.Location!.OriginalString, StringComparison.Ordinal);
        }

        var changePage = await client.GetStringAsync(location);
        Assert.Contains("修改密码", changePage, StringComparison.Ordinal);
        Assert.Contains("temporary-notice", changePage, StringComparison.Ordinal);
        using var changed = await client.PostAsync("/Account/ChangePassword", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["UserName"] = $"w{u}", ["CurrentPassword"] = temporary, ["NewPassword"] = "Mine@2026y", ["ConfirmPassword"] = "Mine@2026y",
            ["__RequestVerificationToken"] = WebSession.AntiforgeryToken(changePage),
        }));
        Assert.Equal(HttpStatusCode.Redirect, changed.StatusCode);
        using var home = await client.GetAsync("/Inbox");
        Assert.Equal(HttpStatusCode.OK, home.StatusCode);
        using var session = await WebSession.SignInAsync(app, $"w{u}", "Mine@2026y");
    }

    [Fact]
    public async Task BadLines_WriteNothing_AndEveryBadLineIsNamed()
    {
        var u = Unique();
        var file = string.Join("\n",
            Header,
            $"ok{u}a,好人,Member,新组{u},,",                 // 2: fine (but the group must not appear)
            $",无名,Member,一组,,",                            // 3: userName missing
            $"bad{u}b,,Member,一组,,",                         // 4: name missing
            $"bad{u}c,职级错,Captain,一组,,",                   // 5: unknown rank
            $"bad{u}d,无组,Member,,,",                         // 6: group missing
            $"bad{u}e,角色错,,,Boss,",                         // 7: unknown role
            $"ok{u}a,重复,Member,一组,,",                       // 8: duplicate user name
            $"bad{u}f,邮箱错,Member,一组,,not-an-address",      // 9: e-mail
            $"bad{u}g,第二个组长,GroupLeader,一组,,",           // 10: 一组's leader seat is held
            $"bad {u}h,空格,Member,一组,,");                   // 11: space in the user name
        var before = await CountsAsync();
        foreach (var dryRun in new[] { false, true })
        {
            var result = await ImportAsync(Csv(file), dryRun);
            Assert.Equal(["3:userName", "4:name", "5:rank", "6:group", "7:roles", "8:userName", "9:email", "10:rank", "11:userName"], Errors(result));
            Assert.All(result.GetProperty("errors").EnumerateArray(), e => Assert.False(string.IsNullOrWhiteSpace(e.GetProperty("message").GetString())));
            Assert.Equal(0, result.GetProperty("created").GetInt32());
            Assert.Equal(0, result.GetProperty("temporaryPasswords").GetArrayLength());
        }

        Assert.Equal(before, await CountsAsync());
        Assert.False(await app.WithDbAsync(db => db.Groups.AnyAsync(g => g.Name == $"新组{u}")));
    }

    [Fact]
    public async Task DryRun_ReportsWhatWouldChange_AndWritesNothing()
    {
        var u = Unique();
        var file = $"{Header}\nd{u}a,试运行甲,Member,试组{u},,\nmember1a,刘洋改,Member,一组,,\n";
        var before = await CountsAsync();
        var result = await ImportAsync(Csv(file), dryRun: true);
        Assert.True(result.GetProperty("dryRun").GetBoolean());
        Assert.True(result.GetProperty("errors").GetArrayLength() == 0, result.GetProperty("errors").GetRawText());
        Assert.Equal((1, 1), (result.GetProperty("created").GetInt32(), result.GetProperty("updated").GetInt32()));
        var changes = result.GetProperty("changes").EnumerateArray().ToList();
        Assert.Equal("create", changes.Single(c => c.GetProperty("userName").GetString() == $"d{u}a").GetProperty("change").GetString());
        Assert.Equal(["name"], changes.Single(c => c.GetProperty("userName").GetString() == "member1a").GetProperty("fields").EnumerateArray().Select(f => f.GetString()));
        Assert.Equal(0, result.GetProperty("temporaryPasswords").GetArrayLength());
        Assert.Equal(before, await CountsAsync());
        using var hr = await app.LoginAsync("hr");
        Assert.Equal("刘洋", (await ApiAssert.JsonAsync(await hr.GetAsync($"/api/employees/{await app.IdOfAsync("member1a")}"))).GetProperty("name").GetString());
    }

    [Fact]
    public async Task TwoThousandLines_ImportInSeconds_AndAgainChangeNothing()
    {
        var u = Unique();
        var file = new StringBuilder(Header).Append('\n');
        for (var i = 0; i < 2000; i++)
        {
            file.Append($"bulk{u}{i:0000},员工{i:0000},Member,大组{u}{i % 10},,bulk{u}{i}@example.com\n");
        }

        var before = await CountsAsync();
        var clock = Stopwatch.StartNew();
        var result = await ImportAsync(Csv(file.ToString()));
        var took = clock.Elapsed;
        Assert.Empty(Errors(result));
        Assert.Equal(2000, result.GetProperty("created").GetInt32());
        Assert.Equal(2000, result.GetProperty("temporaryPasswords").EnumerateArray().Select(p => p.GetProperty("password").GetString()).Distinct().Count());
        Assert.Equal(before.Users + 2000, (await CountsAsync()).Users);
        Assert.True(took < TimeSpan.FromSeconds(60), $"2,000 lines took {took}.");

        var again = await ImportAsync(Csv(file.ToString()));
        Assert.Equal(2000, again.GetProperty("unchanged").GetInt32());
        Assert.Equal(0, again.GetProperty("created").GetInt32() + again.GetProperty("updated").GetInt32());
        TestContext.Current.SendDiagnosticMessage($"2,000-line import on {app.Lane}: {took.TotalSeconds:0.0} s");
    }

    /// <summary>An .xlsx as Excel writes one: every text in the shared-string table, empty cells not stored, row numbers on rows.</summary>
    private static byte[] Workbook(params string?[][] rows)
    {
        using var stream = new MemoryStream();
        using (var document = DocumentFormat.OpenXml.Packaging.SpreadsheetDocument.Create(stream, DocumentFormat.OpenXml.SpreadsheetDocumentType.Workbook))
        {
            var workbook = document.AddWorkbookPart();
            workbook.Workbook = new DocumentFormat.OpenXml.Spreadsheet.Workbook();
            var strings = workbook.AddNewPart<DocumentFormat.OpenXml.Packaging.SharedStringTablePart>();
            strings.SharedStringTable = new DocumentFormat.OpenXml.Spreadsheet.SharedStringTable();
            var sheet = workbook.AddNewPart<DocumentFormat.OpenXml.Packaging.WorksheetPart>();
            var data = new DocumentFormat.OpenXml.Spreadsheet.SheetData();
            for (var r = 0; r < rows.Length; r++)
            {
                if (rows[r].Length == 0)
                {
                    continue;
                }

                var row = new DocumentFormat.OpenXml.Spreadsheet.Row { RowIndex = (uint)(r + 1) };
                for (var c = 0; c < rows[r].Length; c++)
                {
                    if (rows[r][c] is not { } text)
                    {
                        continue;
                    }

                    strings.SharedStringTable.AppendChild(new DocumentFormat.OpenXml.Spreadsheet.SharedStringItem(new DocumentFormat.OpenXml.Spreadsheet.Text(text)));
                    row.AppendChild(new DocumentFormat.OpenXml.Spreadsheet.Cell
                    {
                        CellReference = $"{(char)('A' + c)}{r + 1}",
                        DataType = DocumentFormat.OpenXml.Spreadsheet.CellValues.SharedString,
                        CellValue = new DocumentFormat.OpenXml.Spreadsheet.CellValue(strings.SharedStringTable.Count() - 1),
                    });
                }

                data.AppendChild(row);
            }

            sheet.Worksheet = new DocumentFormat.OpenXml.Spreadsheet.Worksheet(data);
            workbook.Workbook.AppendChild(new DocumentFormat.OpenXml.Spreadsheet.Sheets(new DocumentFormat.OpenXml.Spreadsheet.Sheet
            {
                Id = workbook.GetIdOfPart(sheet), SheetId = 1, Name = "员工",
            }));
        }

        return stream.ToArray();
    }

    [Fact]
    public async Task Workbook_ImportsLikeCsv()
    {
        var u = Unique();
        // As Excel saves it: shared strings, empty cells left out, a blank line between the rows.
        var content = new ByteArrayContent(Workbook(
            ["userName", "name", "rank", "group", "roles", "email"],
            [$"x{u}a", "表格甲", "Member", "二组", null, null],
            [],
            [$"x{u}b", "表格乙", null, null, "GeneralManager", $"x{u}b@example.com"]));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");

        var result = await ImportAsync(content);
        Assert.Empty(Errors(result));
        Assert.Equal(2, result.GetProperty("created").GetInt32());
        using var hr = await app.LoginAsync("hr");
        var employees = (await ApiAssert.JsonAsync(await hr.GetAsync("/api/employees"))).EnumerateArray();
        Assert.Equal(["GeneralManager"], employees.Single(e => e.GetProperty("userName").GetString() == $"x{u}b").GetProperty("roles").EnumerateArray().Select(r => r.GetString()));
    }

    [Fact]
    public async Task NotATable_Is400_AndOthersMayNotImport()
    {
        using var hr = await app.LoginAsync("hr");
        await ApiAssert.ProblemAsync(await hr.PostAsync("/api/org/import", Csv("name,rank\nx,Member\n")), HttpStatusCode.BadRequest);
        var latin1 = new ByteArrayContent([.. Encoding.UTF8.GetBytes(Header + "\nz,"), 0xC0, 0xFF, (byte)'\n']);
        await ApiAssert.ProblemAsync(await hr.PostAsync("/api/org/import", latin1), HttpStatusCode.BadRequest);
        using var supervisor = await app.LoginAsync("supervisor");
        await ApiAssert.ProblemAsync(await supervisor.PostAsync("/api/org/import", Csv($"{Header}\n")), HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task ImportOrgVerb_DryRunThenImport()
    {
        var u = Unique();
        var path = Path.Combine(Path.GetTempPath(), $"org-{u}.csv");
        await File.WriteAllTextAsync(path, $"{Header}\nv{u},命令行,Member,三组,,\n", new UTF8Encoding(true), TestContext.Current.CancellationToken);
        try
        {
            var before = await CountsAsync();
            using (var output = new StringWriter())
            using (var error = new StringWriter())
            {
                Assert.Equal(0, await Verbs.ImportOrgAsync([path, "--dry-run"], app.Services, output, error));
                Assert.Contains("Dry run", output.ToString(), StringComparison.Ordinal);
                Assert.Equal(before, await CountsAsync());
            }

            using (var output = new StringWriter())
            using (var error = new StringWriter())
            {
                Assert.Equal(0, await Verbs.ImportOrgAsync([path], app.Services, output, error));
                Assert.Contains($"v{u},", output.ToString(), StringComparison.Ordinal); // the temporary password line
                Assert.Equal(before.Users + 1, (await CountsAsync()).Users);
            }

            await File.AppendAllTextAsync(path, $"v{u}x,,Member,三组,,\n", TestContext.Current.CancellationToken);
            using (var output = new StringWriter())
            using (var error = new StringWriter())
            {
                Assert.Equal(1, await Verbs.ImportOrgAsync([path], app.Services, output, error));
                Assert.Contains("line 3, name", error.ToString(), StringComparison.Ordinal);
            }
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task ImportPage_ShowsTheDryRun_ThenImportsOnConfirmation()
    {
        var u = Unique();
        using var hr = await WebSession.SignInAsync(app, "hr");
        var (status, page) = await hr.GetAsync("/Org/Import");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains("导入组织架构", page, StringComparison.Ordinal);

        var bad = Encoding.UTF8.GetBytes($"{Header}\np{u}a,,Member,一组,,\n");
        var (_, errors) = await hr.PostFileAsync("/Org/Import?handler=Preview", page, "file", "org.csv", bad);
        Assert.Contains("import-errors", errors, StringComparison.Ordinal);
        Assert.DoesNotContain("import-confirm", errors, StringComparison.Ordinal);

        var before = await CountsAsync();
        var good = Encoding.UTF8.GetBytes($"{Header}\np{u}a,页面甲,Member,一组,,\n");
        var (_, preview) = await hr.PostFileAsync("/Org/Import?handler=Preview", page, "file", "org.csv", good);
        Assert.Contains("import-changes", preview, StringComparison.Ordinal);
        Assert.Contains($"p{u}a", preview, StringComparison.Ordinal);
        Assert.Equal(before, await CountsAsync());

        var content = WebUtility.HtmlDecode(System.Text.RegularExpressions.Regex.Match(preview, "name=\"content\" value=\"([^\"]+)\"").Groups[1].Value);
        var (_, done) = await hr.SubmitAsync("/Org/Import?handler=Confirm", preview, new() { ["content"] = content, ["fileName"] = "org.csv" });
        Assert.Contains("import-passwords", done, StringComparison.Ordinal);
        Assert.Equal(before.Users + 1, (await CountsAsync()).Users);

        using var member = await WebSession.SignInAsync(app, "member1a");
        Assert.Equal(HttpStatusCode.Forbidden, (await member.GetAsync("/Org/Import")).Status);
    }
}

public sealed class OrgImportTests_Sqlite(OperationsSqliteApp app) : OrgImportTests(app), IClassFixture<OperationsSqliteApp>;

public sealed class OrgImportTests_Postgres : OrgImportTests, IClassFixture<OperationsPostgresApp>
{
    public OrgImportTests_Postgres(OperationsPostgresApp app) : base(app) => PostgresLane.EnsureAvailable();
}
