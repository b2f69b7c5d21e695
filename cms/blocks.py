"""StreamField blocks shared by the story pages."""

from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.images.blocks import ImageBlock


class QuoteBlock(blocks.StructBlock):
    text = blocks.TextBlock(label=_("quote"))
    attribution = blocks.CharBlock(label=_("who said it"), required=False)

    class Meta:
        icon = "openquote"
        template = "cms/blocks/quote.html"
        label = _("Quote")


class GalleryBlock(blocks.StructBlock):
    images = blocks.ListBlock(ImageBlock(), label=_("images"), min_num=2)
    caption = blocks.CharBlock(label=_("caption"), required=False)

    class Meta:
        icon = "image"
        template = "cms/blocks/gallery.html"
        label = _("Gallery")


class KeyFigureBlock(blocks.StructBlock):
    value = blocks.CharBlock(label=_("figure"), max_length=20, help_text=_("e.g. 1,200 or 98%"))
    label = blocks.CharBlock(label=_("what it counts"), max_length=60)


class KeyFiguresBlock(blocks.StructBlock):
    figures = blocks.ListBlock(KeyFigureBlock(), label=_("figures"), min_num=1, max_num=4)

    class Meta:
        icon = "pick"
        template = "cms/blocks/key_figures.html"
        label = _("Key figures")


class StoryBlock(blocks.StreamBlock):
    paragraph = blocks.RichTextBlock(
        label=_("Paragraph"), features=["h2", "h3", "bold", "italic", "link", "ol", "ul"]
    )
    image = ImageBlock(label=_("Image"), template="cms/blocks/image.html")
    quote = QuoteBlock()
    gallery = GalleryBlock()
    key_figures = KeyFiguresBlock()
