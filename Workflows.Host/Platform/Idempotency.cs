using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Workflows.Host.Data;
using Workflows.Host.Runtime;

namespace Workflows.Host.Platform;

/// <summary>The first answer to a request that carried an idempotency key, kept 24 hours (docs/domain.md §Limits).</summary>
public sealed class IdempotencyRecord
{
    /// <summary>The signed-in caller: keys are per caller, so nobody can replay another person's answer.</summary>
    public string CallerId { get; init; } = "";

    /// <summary><c>api:</c> + the <c>Idempotency-Key</c> header, or <c>page:</c> + a form's hidden key.</summary>
    public string Key { get; init; } = "";

    /// <summary>SHA-256 of the method, address and body: the same key with another request is refused.</summary>
    public string RequestHash { get; init; } = "";

    public DateTimeOffset CreatedAt { get; init; }

    /// <summary>False while the first request runs; a repeat waits for it.</summary>
    public bool Completed { get; set; }

    public int Status { get; set; }

    public string? ContentType { get; set; }

    public string? Location { get; set; }

    public byte[]? Body { get; set; }
}

internal sealed class IdempotencyRecordConfiguration : IEntityTypeConfiguration<IdempotencyRecord>
{
    public void Configure(EntityTypeBuilder<IdempotencyRecord> r)
    {
        r.ToTable("IdempotencyRecords");
        r.HasKey(x => new { x.CallerId, x.Key });
        r.Property(x => x.CallerId).HasMaxLength(450);
        r.Property(x => x.Key).HasMaxLength(Idempotency.MaxKeyLength + 5);
        r.Property(x => x.RequestHash).HasMaxLength(64);
        r.Property(x => x.ContentType).HasMaxLength(200);
        r.Property(x => x.Location).HasMaxLength(2000);
        r.HasIndex(x => x.CreatedAt);
    }
}

/// <summary>
/// Repeated requests create nothing (docs/domain.md §Limits). A signed-in caller's POST that carries a key — the
/// <c>Idempotency-Key</c> header on the API, the hidden <c>__IdempotencyKey</c> field of a web form — is answered once:
/// the key is stored before the request runs (its primary key makes two concurrent requests with one key one request),
/// and a repeat within 24 hours gets the first answer again (status, body, <c>Location</c>; a form gets its redirect),
/// waits while the first is still running, or is a 422 when the same key comes with another request. An API answer of
/// 500 or more, and a page that answered without redirecting (a refusal shown on the form), are not kept: nothing
/// was created, and the caller may try again.
/// </summary>
public static class Idempotency
{
    public const string Header = "Idempotency-Key";

    public const string FormField = "__IdempotencyKey";

    public const int MaxKeyLength = 64;

    public static readonly TimeSpan Lifetime = TimeSpan.FromHours(24);

    private static readonly TimeSpan WaitForFirst = TimeSpan.FromSeconds(15);

    private const int MaxStoredBody = 1024 * 1024;

    /// <summary>POSTs that change the caller's own sign-in are never replayed.</summary>
    private static readonly string[] Excluded = ["/api/auth", "/api/me/password"];

    public static IApplicationBuilder UseIdempotency(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        var request = context.Request;
        var caller = context.User.FindFirstValue(ClaimTypes.NameIdentifier);
        if (!HttpMethods.IsPost(request.Method) || caller is null || Excluded.Any(e => request.Path.StartsWithSegments(e)))
        {
            await next();
            return;
        }

        var api = request.Path.StartsWithSegments("/api");
        string? key;
        if (api)
        {
            key = request.Headers[Header].ToString();
        }
        else if (request.HasFormContentType)
        {
            key = (await request.ReadFormAsync(context.RequestAborted))[FormField].ToString();
        }
        else
        {
            key = null;
        }

        if (string.IsNullOrEmpty(key))
        {
            await next();
            return;
        }

        if (key.Length > MaxKeyLength || PlainText.HasControlCharacter(key, allowLineBreaks: false) || string.IsNullOrWhiteSpace(key))
        {
            await RefuseAsync(context, StatusCodes.Status400BadRequest, "Invalid idempotency key",
                $"An {Header} is 1 to {MaxKeyLength} characters of plain text.", api ? Header : FormField);
            return;
        }

        await RunOnceAsync(context, next, caller, (api ? "api:" : "page:") + key, await HashAsync(request, api), api);
    });

    private static async Task RunOnceAsync(HttpContext context, Func<Task> next, string caller, string key, string hash, bool api)
    {
        var time = context.RequestServices.GetRequiredService<TimeProvider>();
        var scopes = context.RequestServices.GetRequiredService<IServiceScopeFactory>();
        var ct = context.RequestAborted;
        var waitedSince = DateTimeOffset.UtcNow;
        while (true)
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<WorkflowDbContext>();
            var now = time.GetUtcNow();
            var found = await db.Set<IdempotencyRecord>().AsNoTracking().SingleOrDefaultAsync(r => r.CallerId == caller && r.Key == key, ct);
            if (found is not null && found.CreatedAt + Lifetime < now)
            {
                await db.Set<IdempotencyRecord>().Where(r => r.CallerId == caller && r.Key == key && r.CreatedAt == found.CreatedAt).ExecuteDeleteAsync(ct);
                continue;
            }

            if (found is null)
            {
                db.Add(new IdempotencyRecord { CallerId = caller, Key = key, RequestHash = hash, CreatedAt = now });
                try
                {
                    await db.SaveChangesAsync(ct);
                }
                catch (DbUpdateException ex) when (DbErrors.IsConflict(ex))
                {
                    continue; // a concurrent request with the key got there first: answer as its repeat
                }

                await RunFirstAsync(context, next, db, caller, key, api);
                return;
            }

            if (found.RequestHash != hash)
            {
                await RefuseAsync(context, StatusCodes.Status422UnprocessableEntity, "Idempotency key reused",
                    "This idempotency key was used within the last 24 hours for a different request; use a new key for a new request.",
                    api ? Header : FormField);
                return;
            }

            if (found.Completed)
            {
                await ReplayAsync(context, found);
                return;
            }

            if (DateTimeOffset.UtcNow - waitedSince > WaitForFirst)
            {
                await RefuseAsync(context, StatusCodes.Status409Conflict, "Request in progress",
                    "A request with this idempotency key is still running; ask again in a moment for its answer.", api ? Header : FormField);
                return;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(50), ct);
        }
    }

    private static async Task RunFirstAsync(HttpContext context, Func<Task> next, WorkflowDbContext db, string caller, string key, bool api)
    {
        var original = context.Response.Body;
        await using var buffer = new MemoryStream();
        context.Response.Body = buffer;
        var keep = false;
        try
        {
            await next();
            var status = context.Response.StatusCode;
            keep = api ? status < 500 : status is >= 300 and < 400;
            if (keep)
            {
                var body = buffer.Length <= MaxStoredBody ? buffer.ToArray() : null;
                keep = body is not null;
                await db.Set<IdempotencyRecord>().Where(r => r.CallerId == caller && r.Key == key).ExecuteUpdateAsync(s => s
                    .SetProperty(r => r.Completed, true)
                    .SetProperty(r => r.Status, status)
                    .SetProperty(r => r.ContentType, context.Response.ContentType)
                    .SetProperty(r => r.Location, context.Response.Headers.Location.ToString())
                    .SetProperty(r => r.Body, body), CancellationToken.None);
            }
        }
        finally
        {
            if (!keep)
            {
                await db.Set<IdempotencyRecord>().Where(r => r.CallerId == caller && r.Key == key).ExecuteDeleteAsync(CancellationToken.None);
            }

            context.Response.Body = original;
            buffer.Position = 0;
            await buffer.CopyToAsync(original, CancellationToken.None);
        }
    }

    private static async Task ReplayAsync(HttpContext context, IdempotencyRecord first)
    {
        var response = context.Response;
        response.StatusCode = first.Status;
        response.Headers["Idempotent-Replayed"] = "true";
        if (!string.IsNullOrEmpty(first.ContentType))
        {
            response.ContentType = first.ContentType;
        }

        if (!string.IsNullOrEmpty(first.Location))
        {
            response.Headers.Location = first.Location;
        }

        if (first.Body is { Length: > 0 } body)
        {
            await response.Body.WriteAsync(body, context.RequestAborted);
        }
    }

    /// <summary>The request as a hash: method, path and query, and the body (a form's fields other than its tokens, in order).</summary>
    private static async Task<string> HashAsync(HttpRequest request, bool api)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sha.AppendData(Encoding.UTF8.GetBytes($"{request.Method} {request.Path}{request.QueryString}\n"));
        if (!api)
        {
            var form = await request.ReadFormAsync();
            foreach (var field in form.Where(f => f.Key is not (FormField or "__RequestVerificationToken")).OrderBy(f => f.Key, StringComparer.Ordinal))
            {
                sha.AppendData(Encoding.UTF8.GetBytes($"{field.Key}={field.Value}\n"));
            }
        }
        else
        {
            request.EnableBuffering(bufferThreshold: 64 * 1024, bufferLimit: WebSetup.MaxRequestBodyBytes);
            await using (var copy = new MemoryStream())
            {
                await request.Body.CopyToAsync(copy);
                sha.AppendData(copy.ToArray());
            }

            request.Body.Position = 0;
        }

        return Convert.ToHexString(sha.GetHashAndReset());
    }

    private static async Task RefuseAsync(HttpContext context, int status, string title, string detail, string field)
    {
        context.Response.StatusCode = status;
        await context.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = new HttpValidationProblemDetails(new Dictionary<string, string[]> { [field] = [detail] })
            {
                Status = status, Title = title, Detail = detail,
            },
        });
    }
}
