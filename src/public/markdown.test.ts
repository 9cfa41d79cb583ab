// About and usage texts render as Markdown with nothing active left in them: raw HTML is shown
// as text, links and images to javascript:, vbscript: or data: URLs are not made.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderMarkdown } from './markdown.js';

describe('catalog Markdown', () => {
  it('renders Markdown', () => {
    const html = renderMarkdown(
      '# Title\n\nSome **bold** text and `code`.\n\n```sh\ndocker run app\n```\n\n[docs](https://example.com/docs) and [relative](docs/usage.md)',
    );
    assert.match(html, /<h1>Title<\/h1>/);
    assert.match(html, /<strong>bold<\/strong>/);
    assert.match(html, /<pre><code class="language-sh">docker run app\n<\/code><\/pre>/);
    assert.match(html, /<a href="https:\/\/example\.com\/docs" rel="nofollow ugc noopener noreferrer">docs<\/a>/);
    assert.match(html, /<a href="docs\/usage\.md" rel="nofollow ugc noopener noreferrer">relative<\/a>/);
    assert.equal(renderMarkdown(null), '');
  });

  it('shows raw HTML as text, never as elements', () => {
    for (const input of [
      '<script>alert(1)</script>',
      '<img src=x onerror="alert(1)">',
      '<iframe src="https://evil.example"></iframe>',
      '<a href="javascript:alert(1)">x</a>',
      '<svg onload=alert(1)>',
    ]) {
      const html = renderMarkdown(input);
      assert.doesNotMatch(html, /<(script|img|iframe|svg)\b/i, `${input} → ${html}`);
      // Linkify may still link a plain https URL found in the text; never anything else.
      for (const [, href] of html.matchAll(/<a href="([^"]*)"/g))
        assert.match(href!, /^https:\/\//, `${input} → ${html}`);
      assert.match(html, /&lt;/);
    }
  });

  it('makes no link or image to a script or data URL, however it is spelled', () => {
    const inputs = [
      '[x](javascript:alert(1))',
      '[x](JaVaScRiPt:alert(1))',
      '[x]( javascript:alert(1) )',
      '[x](javascript&#58;alert(1))',
      '[x](&#106;avascript:alert(1))',
      '[x](vbscript:msgbox(1))',
      '[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)',
      '![x](javascript:alert(1))',
      '<javascript:alert(1)>',
      '[x][ref]\n\n[ref]: javascript:alert(1)',
      'javascript:alert(1)',
    ];
    for (const input of inputs) {
      const html = renderMarkdown(input);
      assert.doesNotMatch(html, /<(a|img)\b/i, `${input} → ${html}`);
    }
  });
});
