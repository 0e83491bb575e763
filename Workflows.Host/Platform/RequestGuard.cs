using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc;

namespace Workflows.Host.Platform;

/// <summary>
/// Hostile input stopped at the door, before any handler or query sees it: a body over the size limit (413, on any
/// server: Kestrel enforces the limit itself, the guard also checks the declared length and caps streamed bodies where
/// the server does not), and control characters in the path or the query string (400: PostgreSQL refuses NUL in text,
/// and no id or filter legitimately holds one), and in a web form's fields (400). Text inside JSON bodies is checked by <see cref="PlainTextConverter"/>.
/// </summary>
public static class RequestGuard
{
    public static IApplicationBuilder UseRequestGuard(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        var request = context.Request;
        if (request.ContentLength > WebSetup.MaxRequestBodyBytes)
        {
            await RefuseAsync(context, StatusCodes.Status413PayloadTooLarge, "Request too large",
                $"The request body is {request.ContentLength} bytes; at most {WebSetup.MaxRequestBodyBytes} are accepted.");
            return;
        }

        if (PlainText.HasControlCharacter(request.Path.Value, allowLineBreaks: false)
            || request.Query.Any(q => PlainText.HasControlCharacter(q.Key, false) || q.Value.Any(v => PlainText.HasControlCharacter(v, false))))
        {
            await RefuseAsync(context, StatusCodes.Status400BadRequest, "Malformed request",
                "The address holds control characters; ids and filters are plain text.");
            return;
        }

        var limit = context.Features.Get<IHttpMaxRequestBodySizeFeature>();
        if (limit is null && request.ContentLength is null && (request.Body.CanRead))
        {
            request.Body = new CappedStream(request.Body, WebSetup.MaxRequestBodyBytes);
        }

        // A web form's fields are text too: ASP.NET Core's form reader throws on an encoded NUL (and on more fields
        // than its limits), which every later reader of the form (the idempotency keys, antiforgery, model binding)
        // would turn into a 500. Read once here (the form is cached for them) and refuse such a form as a 400.
        if (request.HasFormContentType && request.ContentType!.StartsWith("application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase))
        {
            IFormCollection form;
            try
            {
                form = await request.ReadFormAsync(context.RequestAborted);
            }
            catch (InvalidDataException)
            {
                await RefuseAsync(context, StatusCodes.Status400BadRequest, "Malformed request", "The form holds characters that are not text, or too many fields.");
                return;
            }

            if (form.Any(f => PlainText.HasControlCharacter(f.Key, false) || f.Value.Any(v => PlainText.HasControlCharacter(v, allowLineBreaks: true))))
            {
                await RefuseAsync(context, StatusCodes.Status400BadRequest, "Malformed request",
                    "The form holds control characters; text may hold only tab and line breaks.");
                return;
            }
        }

        await next();
    });

    private static async Task RefuseAsync(HttpContext context, int status, string title, string detail)
    {
        context.Response.StatusCode = status;
        await context.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = new ProblemDetails { Status = status, Title = title, Detail = detail },
        });
    }

    /// <summary>A request body that fails like Kestrel's limit (a 413 <see cref="BadHttpRequestException"/>) once it passes the cap.</summary>
    private sealed class CappedStream(Stream inner, long cap) : Stream
    {
        private long read;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => read; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Count(inner.Read(buffer, offset, count));

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            Count(await inner.ReadAsync(buffer, cancellationToken));

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        private int Count(int n)
        {
            read += n;
            return read > cap
                ? throw new BadHttpRequestException($"The request body is larger than {cap} bytes.", StatusCodes.Status413PayloadTooLarge)
                : n;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}

public static class PlainText
{
    /// <summary>C0 controls and DEL; tab and line breaks are text when <paramref name="allowLineBreaks"/>.</summary>
    public static bool HasControlCharacter(string? text, bool allowLineBreaks) =>
        text is not null && text.Any(c => (c < ' ' && !(allowLineBreaks && c is '\t' or '\n' or '\r')) || c == '\u007f');
}

/// <summary>
/// Every JSON string the API reads is plain text: a control character other than tab and line breaks (NUL, BEL, ESC, …)
/// makes the body malformed (400), instead of reaching the database (PostgreSQL refuses NUL) or a page.
/// </summary>
public sealed class PlainTextConverter : JsonConverter<string>
{
    public override bool HandleNull => false;

    public override string? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.TokenType == JsonTokenType.String ? Checked(reader.GetString()!)
            : throw new JsonException($"Expected a string, found {reader.TokenType}.");

    public override void Write(Utf8JsonWriter writer, string value, JsonSerializerOptions options) => writer.WriteStringValue(value);

    public override string ReadAsPropertyName(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        Checked(reader.GetString()!);

    public override void WriteAsPropertyName(Utf8JsonWriter writer, string value, JsonSerializerOptions options) =>
        writer.WritePropertyName(value);

    private static string Checked(string text) => PlainText.HasControlCharacter(text, allowLineBreaks: true)
        ? throw new JsonException("Text may not hold control characters (other than tab and line breaks).")
        : text;
}
