using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Workflows.Definitions;
using Workflows.Host.Auth;
using Workflows.Host.Data;
using Workflows.Host.Platform;
using Workflows.Host.Runtime;

namespace Workflows.Host.Organization;

public sealed record ImportError(int Line, string Field, string Message);

public sealed record TemporaryPassword(string UserName, string Password);

/// <summary>One line of the file and what importing it does: <c>create</c>, <c>update</c> or <c>unchanged</c>.</summary>
public sealed record ImportChange(int Line, string UserName, string Name, string Change, string? Rank, string? Group, IReadOnlyList<string> Roles, IReadOnlyList<string> Fields);

public sealed record ImportResult(
    int Created, int Updated, int Unchanged, IReadOnlyList<ImportError> Errors, IReadOnlyList<TemporaryPassword> TemporaryPasswords,
    bool DryRun, IReadOnlyList<string> GroupsCreated, IReadOnlyList<ImportChange> Changes);

/// <summary>A file that cannot be read at all (not CSV, not a workbook, no header): a 400, not line errors.</summary>
public sealed class ImportFormatException(string message) : Exception(message);

/// <summary>
/// Imports the organisation from a CSV or .xlsx file with the columns <c>userName,name,rank,group,roles,email</c>.
/// All or nothing: every line is checked first and any error writes nothing. New accounts get a random temporary
/// password that must be changed at the first sign-in (<see cref="TemporaryPasswords"/>). Existing accounts are
/// matched by user name and updated in place; accounts not in the file are left alone. Groups named in the file are
/// created with their vacant leader seat; a ranked employee takes a seat as <c>POST /api/employees</c> does.
/// </summary>
public sealed class OrgImport(
    WorkflowDbContext db, UserManager<Employee> users, DemoSeed roles, DepartmentClock clock, SignalDispatcher signals,
    IOptions<IdentityOptions> identity)
{
    public static readonly string[] Columns = ["userName", "name", "rank", "group", "roles", "email"];

    /// <summary>At most this many lines: an organisation file, not a data dump.</summary>
    public const int MaxLines = 20_000;

    private sealed record Line(int Number, string UserName, string Name, string Rank, string Group, string Roles, string Email);

    private sealed record Parsed(Line Source, string UserName, string Name, Rank? Rank, string? Group, string[] Roles, string? Email);

    /// <summary>Reads CSV (UTF-8, with or without BOM) or an .xlsx workbook (its first sheet) from <paramref name="content"/>.</summary>
    public static (string[] Header, List<Dictionary<string, string>> Rows) ReadRows(byte[] content)
    {
        // A workbook is a zip archive: "PK".
        return content.Length >= 2 && content[0] == (byte)'P' && content[1] == (byte)'K' ? ReadWorkbook(content) : ReadCsv(content);
    }

    private static (string[] Header, List<Dictionary<string, string>> Rows) ReadWorkbook(byte[] content)
    {
        try
        {
            return Table(WorkbookReader.FirstSheet(content), "The workbook's first sheet is empty. Its first row must be the header");
        }
        catch (Exception ex) when (ex is not ImportFormatException)
        {
            throw new ImportFormatException($"The file is not a readable .xlsx workbook: {ex.Message}");
        }
    }

    private static (string[] Header, List<Dictionary<string, string>> Rows) ReadCsv(byte[] content)
    {
        string text;
        try
        {
            text = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true).GetString(content);
        }
        catch (DecoderFallbackException)
        {
            throw new ImportFormatException("The file is not UTF-8 text. Save it from Excel as \"CSV UTF-8\" or as an .xlsx workbook.");
        }

        if (text.Length > 0 && text[0] == '\uFEFF')
        {
            text = text[1..];
        }

        return Table(SplitCsv(text), "The file is empty. The first line must be the header");
    }

    /// <summary>The first record is the header; every other record becomes a row by column name (an empty record, an empty row).</summary>
    private static (string[] Header, List<Dictionary<string, string>> Rows) Table(IReadOnlyList<IReadOnlyList<string>> records, string whenEmpty)
    {
        if (records.Count == 0)
        {
            throw new ImportFormatException($"{whenEmpty}: {string.Join(",", Columns)}.");
        }

        var header = records[0].Select(h => h.Trim()).ToArray();
        var rows = new List<Dictionary<string, string>>();
        foreach (var record in records.Skip(1))
        {
            var row = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            if (!record.All(string.IsNullOrWhiteSpace))
            {
                for (var i = 0; i < header.Length; i++)
                {
                    if (header[i].Length > 0)
                    {
                        row[header[i]] = i < record.Count ? record[i].Trim() : "";
                    }
                }
            }

            rows.Add(row); // an empty line keeps the line numbers right; skipped later
        }

        return (header, rows);
    }

    /// <summary>RFC 4180: commas, double quotes with "" inside, line breaks inside quotes; CRLF or LF.</summary>
    private static List<List<string>> SplitCsv(string text)
    {
        var records = new List<List<string>>();
        var record = new List<string>();
        var field = new StringBuilder();
        var quoted = false;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < text.Length && text[i + 1] == '"')
                {
                    field.Append('"');
                    i++;
                }
                else if (c == '"')
                {
                    quoted = false;
                }
                else
                {
                    field.Append(c);
                }

                continue;
            }

            switch (c)
            {
                case '"' when field.Length == 0:
                    quoted = true;
                    break;
                case ',':
                    record.Add(field.ToString());
                    field.Clear();
                    break;
                case '\r':
                    break;
                case '\n':
                    record.Add(field.ToString());
                    field.Clear();
                    records.Add(record);
                    record = [];
                    break;
                default:
                    field.Append(c);
                    break;
            }
        }

        if (field.Length > 0 || record.Count > 0)
        {
            record.Add(field.ToString());
            records.Add(record);
        }

        return records;
    }

    public async Task<ImportResult> ImportAsync(byte[] content, bool dryRun, CancellationToken ct)
    {
        var (header, rows) = ReadRows(content);
        var lines = ToLines(header, rows);
        await roles.EnsureRolesAsync();

        var errors = new List<ImportError>();
        var parsed = new List<Parsed>();
        var seen = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        foreach (var line in lines)
        {
            if (Parse(line, errors) is { } p)
            {
                if (seen.TryGetValue(p.UserName, out var first))
                {
                    errors.Add(new ImportError(line.Number, "userName", $"The user name '{p.UserName}' is on line {first} already."));
                    continue;
                }

                seen[p.UserName] = line.Number;
                parsed.Add(p);
            }
        }

        // The org as it is now.
        var existing = await db.Users.ToDictionaryAsync(u => u.NormalizedUserName!, ct);
        var groups = await db.Groups.ToDictionaryAsync(g => g.Name, ct);
        var seats = await db.Seats.ToListAsync(ct);
        var roleIds = await db.Roles.ToDictionaryAsync(r => r.Name!, r => r.Id, ct);
        var roleNames = roleIds.ToDictionary(kv => kv.Value, kv => kv.Key);
        var heldRoles = (await db.UserRoles.ToListAsync(ct))
            .GroupBy(ur => ur.UserId)
            .ToDictionary(g => g.Key, g => g.Select(ur => roleNames.GetValueOrDefault(ur.RoleId, "")).Order(StringComparer.Ordinal).ToArray());
        var now = clock.Now;

        var newGroups = new List<Group>();
        var newSeats = new List<Seat>();
        Group GroupNamed(string name)
        {
            if (!groups.TryGetValue(name, out var group))
            {
                group = new Group { Name = name };
                groups[name] = group;
                newGroups.Add(group);
                var seat = Seat.Vacant(Rank.GroupLeader, group.Id, now);
                seats.Add(seat);
                newSeats.Add(seat);
            }

            return group;
        }

        // Seats are planned in file order; a seat the file gives away is not given twice.
        var claimed = new HashSet<Seat>();
        var seatFor = new Dictionary<Parsed, Seat>();
        var changes = new List<ImportChange>();
        var updates = new List<(Parsed Line, Employee Employee, string[] Fields)>();
        var creates = new List<Parsed>();
        foreach (var p in parsed)
        {
            var group = p.Group is null ? null : GroupNamed(p.Group);
            existing.TryGetValue(users.NormalizeName(p.UserName)!, out var employee);
            var held = employee is null ? null : seats.FirstOrDefault(s => s.HolderId == employee.Id);
            var wantsSeat = p.Rank is Rank.GroupLeader or Rank.Supervisor or Rank.Manager;
            var groupId = p.Rank is Rank.Member or Rank.GroupLeader ? group?.Id : null;

            if (held is not null && (held.Rank != p.Rank || (held.Rank == Rank.GroupLeader && held.GroupId != groupId)))
            {
                errors.Add(new ImportError(p.Source.Number, "rank",
                    $"'{p.UserName}' holds the {held.Rank} seat{(held.GroupId is null ? "" : " of their group")}; vacate it first (POST /api/seats/{{id}}/vacate) to change their rank or group."));
                continue;
            }

            if (wantsSeat && held is null)
            {
                var seat = seats.Where(s => s.Rank == p.Rank && s.HolderId == null && !claimed.Contains(s)
                        && (p.Rank != Rank.GroupLeader || s.GroupId == groupId))
                    .OrderBy(s => s.VacantSince).FirstOrDefault();
                if (seat is null && p.Rank is Rank.Supervisor or Rank.Manager && !seats.Any(s => s.Rank == p.Rank))
                {
                    // A department without any seat of the rank yet (a fresh database): the file opens it.
                    seat = Seat.Vacant(p.Rank.Value, null, now);
                    seats.Add(seat);
                    newSeats.Add(seat);
                }

                if (seat is null)
                {
                    errors.Add(new ImportError(p.Source.Number, "rank", p.Rank == Rank.GroupLeader
                        ? $"The leader seat of group '{p.Group}' is taken{(seats.Any(s => s.Rank == Rank.GroupLeader && s.GroupId == groupId && claimed.Contains(s)) ? " by an earlier line" : "")}."
                        : $"There is no vacant {p.Rank} seat. Open one first (POST /api/seats)."));
                    continue;
                }

                claimed.Add(seat);
                seatFor[p] = seat;
            }

            var wantedRoles = p.Roles.Order(StringComparer.Ordinal).ToArray();
            if (employee is null)
            {
                creates.Add(p);
                changes.Add(new ImportChange(p.Source.Number, p.UserName, p.Name, "create", p.Rank?.ToString(), p.Group, wantedRoles, []));
                continue;
            }

            var fields = new List<string>();
            if (employee.Name != p.Name) fields.Add("name");
            if (employee.Rank != p.Rank) fields.Add("rank");
            if (employee.GroupId != groupId) fields.Add("group");
            if (!heldRoles.GetValueOrDefault(employee.Id, []).SequenceEqual(wantedRoles, StringComparer.Ordinal)) fields.Add("roles");
            if (!string.Equals(employee.Email ?? "", p.Email ?? "", StringComparison.OrdinalIgnoreCase)) fields.Add("email");
            changes.Add(new ImportChange(p.Source.Number, p.UserName, p.Name, fields.Count == 0 ? "unchanged" : "update", p.Rank?.ToString(), p.Group, wantedRoles, fields));
            if (fields.Count > 0)
            {
                updates.Add((p, employee, [.. fields]));
            }
        }

        errors.Sort((a, b) => a.Line != b.Line ? a.Line.CompareTo(b.Line) : string.CompareOrdinal(a.Field, b.Field));
        var created = creates.Count;
        var updated = updates.Count;
        var unchanged = changes.Count(c => c.Change == "unchanged");
        var groupsCreated = newGroups.Select(g => g.Name).ToArray();
        if (errors.Count > 0)
        {
            return new ImportResult(0, 0, 0, errors, [], dryRun, [], changes);
        }

        if (dryRun)
        {
            return new ImportResult(created, updated, unchanged, [], [], true, groupsCreated, changes);
        }

        var passwords = new List<TemporaryPassword>();
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        db.Groups.AddRange(newGroups);
        db.Seats.AddRange(newSeats);
        foreach (var seat in newSeats)
        {
            RaiseVacancy(seat);
        }

        foreach (var p in creates)
        {
            var password = NewTemporaryPassword();
            var employee = new Employee
            {
                UserName = p.UserName,
                NormalizedUserName = users.NormalizeName(p.UserName),
                Name = p.Name,
                Rank = p.Rank,
                GroupId = p.Rank is Rank.Member or Rank.GroupLeader ? groups[p.Group!].Id : null,
                Email = p.Email,
                NormalizedEmail = p.Email is null ? null : users.NormalizeEmail(p.Email),
                SecurityStamp = Guid.NewGuid().ToString("N"),
                LockoutEnabled = identity.Value.Lockout.AllowedForNewUsers,
                PasswordHash = TemporaryHasher.HashPassword(null!, password),
            };
            db.Users.Add(employee);
            foreach (var role in p.Roles)
            {
                db.UserRoles.Add(new IdentityUserRole<string> { UserId = employee.Id, RoleId = roleIds[role] });
            }

            db.UserClaims.Add(new IdentityUserClaim<string> { UserId = employee.Id, ClaimType = PasswordChange.TemporaryClaim, ClaimValue = "true" });
            if (seatFor.TryGetValue(p, out var seat))
            {
                seat.Fill(employee.Id);
            }

            passwords.Add(new TemporaryPassword(p.UserName, password));
        }

        foreach (var (p, employee, fields) in updates)
        {
            employee.Name = p.Name;
            employee.Rank = p.Rank;
            employee.GroupId = p.Rank is Rank.Member or Rank.GroupLeader ? groups[p.Group!].Id : null;
            employee.Email = p.Email;
            employee.NormalizedEmail = p.Email is null ? null : users.NormalizeEmail(p.Email);
            if (fields.Contains("roles"))
            {
                var wanted = p.Roles.Select(r => roleIds[r]).ToHashSet(StringComparer.Ordinal);
                var current = await db.UserRoles.Where(ur => ur.UserId == employee.Id).ToListAsync(ct);
                db.UserRoles.RemoveRange(current.Where(ur => !wanted.Contains(ur.RoleId)));
                foreach (var roleId in wanted.Where(id => current.All(ur => ur.RoleId != id)))
                {
                    db.UserRoles.Add(new IdentityUserRole<string> { UserId = employee.Id, RoleId = roleId });
                }

                // Roles are in the sign-in: a changed set takes effect at the next sign-in.
                employee.SecurityStamp = Guid.NewGuid().ToString("N");
            }

            if (seatFor.TryGetValue(p, out var seat))
            {
                seat.Fill(employee.Id);
            }
        }

        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        db.ChangeTracker.Clear();
        if (newSeats.Count > 0)
        {
            await signals.DispatchPendingAsync(ct);
        }

        return new ImportResult(created, updated, unchanged, [], passwords, false, groupsCreated, changes);
    }

    private void RaiseVacancy(Seat seat) =>
        SignalDispatcher.Raise(db, clock, "seat.vacated", new { seatId = seat.Id, rank = seat.Rank.ToString() });

    private static List<Line> ToLines(string[] header, List<Dictionary<string, string>> data)
    {
        var missing = Columns.Where(c => !header.Contains(c, StringComparer.OrdinalIgnoreCase)).ToArray();
        if (missing.Length > 0)
        {
            throw new ImportFormatException($"The header must name the columns {string.Join(",", Columns)}; missing: {string.Join(", ", missing)}.");
        }

        if (data.Count > MaxLines)
        {
            throw new ImportFormatException($"The file has {data.Count} lines; at most {MaxLines} are imported at once.");
        }

        var lines = new List<Line>();
        for (var i = 0; i < data.Count; i++)
        {
            var row = data[i];
            if (row.Count == 0 || Columns.All(c => string.IsNullOrWhiteSpace(row.GetValueOrDefault(c))))
            {
                continue;
            }

            string Get(string column) => row.GetValueOrDefault(column)?.Trim() ?? "";
            // Line numbers as a spreadsheet shows them: the header is line 1.
            lines.Add(new Line(i + 2, Get("userName"), Get("name"), Get("rank"), Get("group"), Get("roles"), Get("email")));
        }

        return lines;
    }

    private Parsed? Parse(Line line, List<ImportError> errors)
    {
        var before = errors.Count;
        void Error(string field, string message) => errors.Add(new ImportError(line.Number, field, message));

        if (line.UserName.Length == 0)
        {
            Error("userName", Platform.Glossary.UserName(Definitions.UserNameRule.Required));
        }
        else if (Definitions.TextLimits.UserNameProblem(line.UserName) is { } problem)
        {
            // The same rule as every account (docs/domain.md §Limits).
            Error("userName", Platform.Glossary.UserName(problem));
        }

        if (line.Name.Length == 0)
        {
            Error("name", "The name is required.");
        }
        else if (line.Name.Length > 100 || line.Name.Any(char.IsControl))
        {
            Error("name", "The name can be at most 100 characters, without control characters.");
        }

        Rank? rank = null;
        if (line.Rank.Length > 0)
        {
            rank = ParseRank(line.Rank);
            if (rank is null)
            {
                Error("rank", $"Unknown rank '{line.Rank}'. Known: Member, GroupLeader, Supervisor, Manager (组员, 组长, 主管, 经理), or empty for an account outside the ladder.");
            }
        }

        var roles = line.Roles.Split('|', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Distinct(StringComparer.Ordinal).ToArray();
        var unknown = roles.Where(r => !CompanyRoles.IsKnown(r)).ToArray();
        if (unknown.Length > 0)
        {
            Error("roles", $"Unknown role(s): {string.Join(", ", unknown)}. Known: {string.Join(", ", CompanyRoles.All)}, separated by |.");
        }

        if (line.Rank.Length == 0 && roles.Length == 0)
        {
            Error("rank", "Give a rank on the ladder, or at least one company role for an account outside it.");
        }

        if (rank is Rank.Member or Rank.GroupLeader && line.Group.Length == 0)
        {
            Error("group", "A member or group leader belongs to a group: name it.");
        }
        else if (line.Group.Length > 100 || line.Group.Any(char.IsControl))
        {
            Error("group", "A group name can be at most 100 characters, without control characters.");
        }

        if (line.Email.Length > 0 && (line.Email.Length > 256 || !System.Net.Mail.MailAddress.TryCreate(line.Email, out _) || line.Email.Contains(' ')))
        {
            Error("email", $"'{line.Email}' is not an e-mail address.");
        }

        return errors.Count > before
            ? null
            : new Parsed(line, line.UserName, line.Name, rank, rank is Rank.Member or Rank.GroupLeader ? line.Group : null, roles,
                line.Email.Length == 0 ? null : line.Email);
    }

    private static Rank? ParseRank(string text) => text switch
    {
        "组员" => Rank.Member,
        "组长" => Rank.GroupLeader,
        "主管" => Rank.Supervisor,
        "经理" => Rank.Manager,
        _ => Enum.TryParse<Rank>(text, ignoreCase: true, out var r) && Enum.IsDefined(r) && !int.TryParse(text, out _) ? r : null,
    };

    /// <summary>
    /// Temporary passwords are random (about 95 bits), not chosen by a person, so a slow hash adds nothing against
    /// guessing them; a cheaper one keeps a 2,000-line import to seconds. They are replaced at the first sign-in.
    /// </summary>
    private static readonly PasswordHasher<Employee> TemporaryHasher =
        new(Options.Create(new PasswordHasherOptions { IterationCount = 1_000 }));

    private const string Alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";

    private static string NewTemporaryPassword()
    {
        var chars = new char[16];
        for (var i = 0; i < chars.Length; i++)
        {
            chars[i] = Alphabet[RandomNumberGenerator.GetInt32(Alphabet.Length)];
        }

        // The policy's classes, whatever the draw: upper, lower, digit, symbol.
        return $"{new string(chars)}Aa1!";
    }
}
